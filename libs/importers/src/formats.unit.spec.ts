import { join } from 'node:path';
import { recordId, uuidV5 } from './ids.js';
import { readGdelt } from './gdelt.js';
import { readIcews } from './icews.js';
import { readNdjson } from './ndjson.js';
import { ImportFormatError, type SourceRecord } from './records.js';
import { readStatementCsv } from './statement-csv.js';
import { openTextFile, textSource } from './text-source.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/import');

async function read(
  reader: (chunks: AsyncIterable<string>) => AsyncIterable<SourceRecord>,
  file: string,
): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of reader(openTextFile(join(FIXTURES, file)).chunks)) records.push(record);
  return records;
}

async function readText(
  reader: (chunks: AsyncIterable<string>) => AsyncIterable<SourceRecord>,
  text: string,
): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of reader(textSource(text).chunks)) records.push(record);
  return records;
}

const statement = (record: SourceRecord | undefined) => {
  if (record?.kind !== 'statement') throw new Error(`expected a statement, got ${JSON.stringify(record)}`);
  return record;
};

describe('NDJSON reader', () => {
  it('reads each line as a statement input, with the given id or one derived from the content', async () => {
    const records = await read(readNdjson, 'statements.ndjson');
    const first = statement(records[0]);
    expect(first).toMatchObject({ line: 1, id: '7b6c1a4e-2d3f-4a5b-8c9d-0e1f2a3b4c5d' });
    expect(first.input).toMatchObject({
      occurredOn: '2019-05-16',
      speaker: { name: 'Wang Yi' },
      cameoCode: '020',
    });
    expect(first.input).not.toHaveProperty('id');

    const second = statement(records[1]);
    expect(second.line).toBe(2);
    expect(second.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const again = await read(readNdjson, 'statements.ndjson');
    expect(statement(again[1]).id).toBe(second.id);
  });

  it('gives ids and response links in canonical form: a UUID in upper case is the same statement', async () => {
    const upper = '7B6C1A4E-2D3F-4A5B-8C9D-0E1F2A3B4C5D';
    const [record] = await readText(
      readNdjson,
      JSON.stringify({ id: upper, respondsTo: [upper.replace('7B', '8C')], text: 'x' }) + '\n',
    );
    expect(statement(record)).toMatchObject({
      id: upper.toLowerCase(),
      respondsTo: [upper.replace('7B', '8C').toLowerCase()],
    });
  });

  it('refuses a line over the cap and bytes that are not UTF-8, naming the line', async () => {
    const limits = { maxLineBytes: 64, maxFieldBytes: 64 };
    const records: SourceRecord[] = [];
    const reading = (async () => {
      const text = `{"text":"short"}\n{"text":"${'x'.repeat(100)}"}\n`;
      for await (const record of readNdjson(textSource(text).chunks, limits)) records.push(record);
    })();
    await expect(reading).rejects.toThrow(/^line 2: the line is longer than the limit of 64 bytes/);
    expect(records).toHaveLength(1);
    await expect(read(readNdjson, '../hostile/invalid-utf8.ndjson')).rejects.toThrow(
      /^line 2: not valid UTF-8/,
    );
  });

  it('skips blank lines, ignores the computed fields of an export, and derives the id without them', async () => {
    const records = await read(readNdjson, 'statements.ndjson');
    const exported = statement(records[2]);
    expect(exported.line).toBe(4);
    for (const field of [
      'goldstein',
      'status',
      'version',
      'recordedAt',
      'updatedAt',
      'responses',
      'history',
    ]) {
      expect(exported.input).not.toHaveProperty(field);
    }
    const { id } = statement(
      (await readText(readNdjson, JSON.stringify({ ...exported.input, version: 7, status: 'RETRACTED' })))[0],
    );
    expect(id).toBe(exported.id);
  });

  it('reads respondsTo (the response links of an export) beside the input, leaving the id as without it', async () => {
    const base = { occurredOn: '2020', speaker: { name: 'S' }, text: 'T', attribution: 'SUMMARY' };
    const target = '00000000-0000-4000-8000-000000000001';
    const [plain, linked, empty, notList, notString] = await readText(
      readNdjson,
      [
        base,
        { ...base, respondsTo: [target] },
        { ...base, respondsTo: [] },
        { ...base, respondsTo: target },
        { ...base, respondsTo: [target, 7] },
      ]
        .map((value) => JSON.stringify(value))
        .join('\n'),
    );
    expect(statement(linked)).toMatchObject({ respondsTo: [target], id: statement(plain).id });
    expect(statement(linked).input).not.toHaveProperty('respondsTo');
    expect(statement(empty).respondsTo).toBeUndefined();
    expect(notList).toEqual({
      kind: 'reject',
      line: 4,
      field: 'respondsTo',
      reason: 'must be a list of statement ids',
    });
    expect(notString).toEqual({
      kind: 'reject',
      line: 5,
      field: 'respondsTo.1',
      reason: 'must be a statement id (a UUID)',
    });
  });

  it('rejects unknown fields, bad JSON after the first line and non-objects, naming the field', async () => {
    const records = await read(readNdjson, 'statements.ndjson');
    const rejected = records.filter((r) => r.kind === 'reject');
    expect(rejected).toEqual([
      { kind: 'reject', line: 5, field: 'mood', reason: 'is not a statement field' },
      { kind: 'reject', line: 6, field: 'line', reason: expect.stringMatching(/^not valid JSON/) },
      { kind: 'reject', line: 9, field: 'line', reason: 'must be a JSON object (one statement per line)' },
      { kind: 'reject', line: 10, field: 'speaker.age', reason: 'is not a field of this object' },
    ]);
  });

  it('leaves the rules of the domain to the domain (bad dates and countries pass through as statements)', async () => {
    const records = await read(readNdjson, 'statements.ndjson');
    expect(statement(records.find((r) => r.line === 7)).input.occurredOn).toBe('2020-13-01');
    expect(statement(records.find((r) => r.line === 8)).input.targets).toEqual(['TR', 'Atlantis']);
  });

  it('reads a CRLF line and a last line without a newline', async () => {
    const records = await read(readNdjson, 'statements.ndjson');
    expect(records.slice(-2).map((r) => [r.line, statement(r).input.text])).toEqual([
      [11, 'CRLF line'],
      [12, 'no newline at the end'],
    ]);
  });

  it('a first line that is not JSON means the file is not NDJSON', async () => {
    await expect(readText(readNdjson, 'id,text\n1,hello\n')).rejects.toThrow(ImportFormatError);
  });
});

describe('statement CSV reader', () => {
  it('maps the columns, splits lists on ";" and pairs the sources.* lists item by item', async () => {
    const records = await read(readStatementCsv, 'statements.csv');
    const first = statement(records[0]);
    expect(first).toMatchObject({ line: 2, id: '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b' });
    expect(first.input).toEqual({
      occurredOn: '2019-05-16',
      speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'CN' },
      targets: ['TR', 'DE'],
      mentions: ['US'],
      topics: ['xinjiang', 'sovereignty'],
      cameoCode: '020',
      text: 'He said: "respect our sovereignty", twice.',
      attribution: 'DIRECT_QUOTE',
      language: 'en',
      location: { city: 'Beijing', country: 'CN' },
      sources: [
        { url: 'https://example.org/a', outlet: 'Example A', publishedAt: '2019-05-16T10:00:00Z' },
        { url: 'https://example.org/b', outlet: 'Example B', via: 'Xinhua' },
      ],
    });
  });

  it('keeps a quoted line break in a cell and numbers the next record by its own first line', async () => {
    const records = await read(readStatementCsv, 'statements.csv');
    const second = statement(records[1]);
    expect(second.line).toBe(3);
    expect(second.input.text).toBe('A statement\nover two lines');
    expect(second.id).toBe(statement((await read(readStatementCsv, 'statements.csv'))[1]).id);
    expect(records[2].line).toBe(5);
  });

  it('rejects a row with broken quoting or the wrong number of cells, with its line', async () => {
    const records = await read(readStatementCsv, 'statements.csv');
    expect(records.filter((r) => r.kind === 'reject')).toEqual([
      { kind: 'reject', line: 6, field: 'row', reason: 'column 3: text after the closing quote' },
      { kind: 'reject', line: 7, field: 'row', reason: 'has 3 cells, the header has 20 columns' },
    ]);
    expect(statement(records.find((r) => r.line === 8)).input.kind).toBe('SHOUTING');
  });

  it('a header with an unknown, repeated or missing required column means the file is not a statement CSV', async () => {
    await expect(
      readText(readStatementCsv, 'occurredOn,speaker.name,text,attribution,sources.url,mood\n'),
    ).rejects.toThrow(/"mood" is not a statement column/);
    await expect(readText(readStatementCsv, 'occurredOn,occurredOn\n')).rejects.toThrow(/appears twice/);
    await expect(readText(readStatementCsv, 'occurredOn,speaker.name,text\n')).rejects.toThrow(
      /lacks required column\(s\) attribution, sources.url/,
    );
    await expect(readText(readStatementCsv, '')).rejects.toThrow(/header row is required/);
  });

  it('ignores the computed columns of an export', async () => {
    const records = await readText(
      readStatementCsv,
      'occurredOn,speaker.name,text,attribution,sources.url,goldstein,status\n2020,A,t,SUMMARY,https://e.org,1.5,ACTIVE\n',
    );
    expect(statement(records[0]).input).toEqual({
      occurredOn: '2020',
      speaker: { name: 'A' },
      targets: [],
      mentions: [],
      topics: [],
      text: 't',
      attribution: 'SUMMARY',
      sources: [{ url: 'https://e.org' }],
    });
  });
});

describe('GDELT 2.0 reader', () => {
  it('maps a verbal event between two countries', async () => {
    const [first] = await read(readGdelt, 'gdelt.export.CSV');
    expect(statement(first)).toEqual({
      kind: 'statement',
      line: 1,
      id: recordId('gdelt', '900000001'),
      input: {
        occurredOn: '2015-10-27',
        speaker: { name: 'UNITED STATES', country: 'US' },
        speakerCountry: 'US',
        targets: ['RU'],
        cameoCode: '040',
        text: 'UNITED STATES — Consult — RUSSIA',
        attribution: 'SUMMARY',
        sources: [
          {
            url: 'https://www.example.org/news/consultations',
            outlet: 'example.org',
            publishedAt: '2015-10-27T22:15:00Z',
            via: 'GDELT',
          },
        ],
      },
    });
    expect(statement(first).id).toBe(uuidV5('gdelt:900000001'));
  });

  it('skips non-verbal roots first, then rows whose actors have no country (CAMEO regions are none)', async () => {
    const records = await read(readGdelt, 'gdelt.export.CSV');
    const byLine = new Map(records.map((r) => [r.line, r]));
    expect(byLine.get(2)).toEqual({ kind: 'skip', line: 2, reason: 'not a verbal event' });
    expect(byLine.get(3)).toEqual({ kind: 'skip', line: 3, reason: 'no country' });
    expect(byLine.get(7)).toEqual({ kind: 'skip', line: 7, reason: 'not a verbal event' });
  });

  it('keeps a row with only one country: target only, or speaker only (a legacy CAMEO code resolves)', async () => {
    const records = await read(readGdelt, 'gdelt.export.CSV');
    const targetOnly = statement(records[3]).input;
    expect(targetOnly.speaker).toEqual({ name: 'Unidentified actor' });
    expect(targetOnly.speakerCountry).toBeUndefined();
    expect(targetOnly.targets).toEqual(['CN']);
    expect(targetOnly.text).toBe('Unidentified actor — Accuse — CHINA');
    const romania = statement(records[4]).input;
    expect(romania).toMatchObject({
      speakerCountry: 'RO',
      targets: [],
      occurredOn: '2014-10-27',
      cameoCode: '0311',
    });
  });

  it('passes an impossible date and a non-URL source to the domain, and rejects a short line', async () => {
    const records = await read(readGdelt, 'gdelt.export.CSV');
    expect(statement(records[5]).input.occurredOn).toBe('2015-02-31');
    expect(records[7]).toEqual({
      kind: 'reject',
      line: 8,
      field: 'line',
      reason: 'has 3 tab-separated columns, a GDELT 2.0 events export has 61',
    });
    expect(statement(records[8]).input.sources).toEqual([
      { url: 'BBC Monitoring', publishedAt: '2015-10-27T22:15:00Z', via: 'GDELT' },
    ]);
  });

  it('a first line without 61 columns means the file is not a GDELT export', async () => {
    await expect(readText(readGdelt, 'a\tb\tc\n')).rejects.toThrow(/line 1 has 3 tab-separated columns/);
  });
});

describe('ICEWS reader', () => {
  it('maps a verbal event: names to codes, sectors, publisher and provenance', async () => {
    const [first] = await read(readIcews, 'icews.tab');
    expect(statement(first)).toEqual({
      kind: 'statement',
      line: 2,
      id: recordId('icews', '1001'),
      input: {
        occurredOn: '2019-05-16',
        speaker: {
          name: 'Foreign Minister (China)',
          country: 'CN',
          organization: 'Government, Executive, Foreign Ministry',
        },
        speakerCountry: 'CN',
        targets: ['TR'],
        cameoCode: '020',
        text: 'Foreign Minister (China) — Make an appeal or request — Foreign Minister (Turkey)',
        attribution: 'SUMMARY',
        location: { city: 'Beijing', country: 'CN' },
        sources: [
          {
            url: 'https://doi.org/10.7910/DVN/28075#event=1001&story=5001&sentence=2',
            outlet: 'Example Wire',
            via: 'ICEWS',
          },
        ],
      },
    });
  });

  it('treats "NA" as empty (not Namibia), skips non-verbal rows and rows with no country', async () => {
    const records = await read(readIcews, 'icews.tab');
    const byLine = new Map(records.map((r) => [r.line, r]));
    expect(byLine.get(3)).toEqual({ kind: 'skip', line: 3, reason: 'not a verbal event' });
    const igo = statement(byLine.get(4)).input;
    expect(igo.speaker).toEqual({
      name: 'United Nations',
      organization: 'International Government Organization',
    });
    expect(igo.speakerCountry).toBeUndefined();
    expect(igo.targets).toEqual(['SY']);
    expect(igo.location).toBeUndefined();
    expect(byLine.get(5)).toEqual({ kind: 'skip', line: 5, reason: 'no country' });
    const namibia = statement(byLine.get(7)).input;
    expect(namibia.speakerCountry).toBe('NA');
    expect(namibia.targets).toEqual([]);
    expect(namibia.text).toBe('President (Namibia) — Express intent to cooperate');
  });

  it('rejects a country name that does not resolve, naming the column', async () => {
    const records = await read(readIcews, 'icews.tab');
    expect(records.find((r) => r.line === 6)).toEqual({
      kind: 'reject',
      line: 6,
      field: 'Source Country',
      reason: '"Atlantis" is not a country name this service knows',
    });
  });

  it('a header without the ICEWS columns means the file is not an ICEWS file', async () => {
    await expect(readText(readIcews, 'Event ID\tEvent Date\n1\t2018-06-01\n')).rejects.toThrow(
      /lacks column\(s\) Source Name/,
    );
  });
});
