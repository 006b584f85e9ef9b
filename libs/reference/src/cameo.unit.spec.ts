import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cameoCodebook, cameoEntries, cameoRoots } from './cameo.js';

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const sameName = (name: string): string => name.replace(/\s+/g, ' ').trim().toLowerCase();

describe('CAMEO codebook', () => {
  it('looks codes up with their root and Goldstein score', () => {
    expect(cameoCodebook.lookup('0214')).toEqual({
      code: '0214',
      name: 'Appeal for intelligence',
      root: '02',
      goldstein: 3.4,
    });
    expect(cameoCodebook.lookup('14')?.goldstein).toBe(-6.5);
    expect(cameoCodebook.lookup('9999')).toBeUndefined();
    expect(cameoCodebook.lookup('')).toBeUndefined();
  });

  it('has twenty roots, unique codes of 2-4 digits, and every code under an existing root', () => {
    expect(cameoRoots.map((r) => r.code)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0')),
    );
    expect(new Set(cameoEntries.map((e) => e.code)).size).toBe(cameoEntries.length);
    for (const entry of cameoEntries) {
      expect(entry.code).toMatch(/^\d{2,4}$/);
      expect(cameoCodebook.lookup(entry.root)).toBeDefined();
      expect(entry.goldstein).toBeGreaterThanOrEqual(-10);
      expect(entry.goldstein).toBeLessThanOrEqual(10);
    }
  });

  const csvPath = path.resolve(process.cwd(), '../shared/data/icews/cameo-codes.csv');
  const present = existsSync(csvPath);
  if (!present) console.log('skipping CAMEO codebook check: ../shared/data/icews/cameo-codes.csv is absent');
  (present ? it : it.skip)('matches the public codebook: same codes, Goldstein scores and names', () => {
    const [header, ...rows] = parseCsv(readFileSync(csvPath, 'utf8')).filter((r) => r.length > 1);
    const col = (name: string): number => {
      const index = header.indexOf(name);
      expect(index).toBeGreaterThanOrEqual(0);
      return index;
    };
    const [code, name, goldstein, root] = [col('code'), col('name'), col('goldstein'), col('root_code')];
    const expected = rows.map((r) => ({
      code: r[code],
      name: sameName(r[name]),
      root: r[root],
      goldstein: Number(r[goldstein]),
    }));
    const actual = cameoEntries.map((e) => ({ ...e, name: sameName(e.name) }));
    expect(expected.length).toBe(312);
    expect([...actual].sort((a, b) => a.code.localeCompare(b.code))).toEqual(
      [...expected].sort((a, b) => a.code.localeCompare(b.code)),
    );
  });
});
