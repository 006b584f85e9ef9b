import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InMemoryEventStore } from '#event-store/testing';
import { SKIP_GDELT_DUPLICATE, importStatements, openTextFile, readGdelt } from '#importers';
import { isAlpha3Country, referenceData } from '#reference';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'import', 'gdelt-duplicates.export.CSV');
const REAL = join(
  resolve(import.meta.dirname, '..', '..', 'shared', 'data'),
  'gdelt',
  '20151027220000.export.CSV',
);
const VERBAL = new Set(['01', '02', '03', '04', '05', '10', '11', '12', '13', '14']);

/**
 * The duplicate rule recomputed from the raw file with this test's own code (a plain split on tabs, the
 * columns by their positions in the GDELT 2.0 codebook): among the rows that become statements (a verbal root
 * and a country on either side), a row whose date, actors, event code and source URL repeat an earlier one's.
 */
function recount(file: string): { kept: number; duplicates: number; groups: number } {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/\r$/, '').split('\t'));
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (!VERBAL.has(row[28] ?? '') || (!isAlpha3Country(row[7] ?? '') && !isAlpha3Country(row[17] ?? '')))
      continue;
    // SQLDATE; Actor1 code, name, country; Actor2 code, name, country; EventCode; SOURCEURL
    const key = [1, 5, 6, 7, 15, 16, 17, 26, 60].map((i) => (row[i] ?? '').trim()).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const all = [...counts.values()];
  return {
    kept: all.length,
    duplicates: all.reduce((sum, n) => sum + n - 1, 0),
    groups: all.filter((n) => n > 1).length,
  };
}

async function importOf(file: string) {
  const store = new InMemoryEventStore();
  const report = await importStatements(readGdelt(openTextFile(file).chunks), store, {
    reference: referenceData,
    recordedBy: 'import:test',
  });
  return { report, store };
}

describe('GDELT rows that repeat a statement are folded into one (issue 13, item 5)', () => {
  it('the fixture: the importer folds exactly the rows the raw file repeats, and says so in its report', async () => {
    const expected = recount(FIXTURE);
    expect(expected).toEqual({ kept: 5, duplicates: 3, groups: 2 }); // the fixture was made so
    const { report } = await importOf(FIXTURE);
    expect(report.rejections).toEqual([]);
    expect(report.imported).toBe(expected.kept);
    expect(report.skipped[SKIP_GDELT_DUPLICATE]).toBe(expected.duplicates);
    expect(report.skipped['not a verbal event']).toBe(2); // non-verbal repeats are not counted as duplicates
    // a re-import adds nothing, and still counts the folded rows
    const store = new InMemoryEventStore();
    const options = { reference: referenceData, recordedBy: 'import:test' };
    await importStatements(readGdelt(openTextFile(FIXTURE).chunks), store, options);
    const again = await importStatements(readGdelt(openTextFile(FIXTURE).chunks), store, options);
    expect(again.imported).toBe(0);
    expect(again.skipped[SKIP_GDELT_DUPLICATE]).toBe(expected.duplicates);
  });

  const present = existsSync(REAL);
  if (!present) console.log(`gdelt-duplicates: ${REAL} is absent, skipping the real-file recount`);
  (present ? it : it.skip)('the GDELT 2015 file: folded rows equal the recount of the raw file', async () => {
    const expected = recount(REAL);
    const { report } = await importOf(REAL);
    console.log(
      `gdelt-duplicates: ${REAL}: ${expected.kept + expected.duplicates} statement rows, ${expected.duplicates} folded into ${expected.groups} statements, ${expected.kept} imported`,
    );
    expect(report.imported).toBe(expected.kept);
    expect(report.skipped[SKIP_GDELT_DUPLICATE] ?? 0).toBe(expected.duplicates);
  });
});
