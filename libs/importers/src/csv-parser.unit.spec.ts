import fc from 'fast-check';
import { CsvParser, type CsvRecord } from './csv-parser.js';

const parse = (...chunks: string[]): CsvRecord[] => {
  const parser = new CsvParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
};
const fields = (records: CsvRecord[]) => records.map((r) => (r.error === undefined ? r.fields : r.error));

describe('CsvParser (RFC 4180)', () => {
  it('reads plain fields, empty fields and a trailing empty field', () => {
    expect(fields(parse('a,b,c\n,,\nx,\n'))).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['x', ''],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and an empty quoted field', () => {
    expect(fields(parse('"a,b","say ""hi""",""\n'))).toEqual([['a,b', 'say "hi"', '']]);
  });

  it('keeps line breaks inside quoted fields, and numbers records by their first line', () => {
    const records = parse('h1,h2\n"two\nlines",x\r\n"three\r\nmore\nlines",y\nlast,z');
    expect(fields(records)).toEqual([
      ['h1', 'h2'],
      ['two\nlines', 'x'],
      ['three\r\nmore\nlines', 'y'],
      ['last', 'z'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4, 7]);
  });

  it('ends records at CRLF, LF or a lone CR, reads a last record without a line break, skips empty lines', () => {
    expect(fields(parse('a\r\nb\rc\n\n\r\nd'))).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('drops a byte-order mark at the start', () => {
    expect(fields(parse('\ufeffid,text\n'))).toEqual([['id', 'text']]);
  });

  it('reports a quote inside an unquoted field and goes on at the next line', () => {
    const records = parse('a,b"c,d\nok,1\n');
    expect(records[0]).toEqual({ line: 1, error: 'column 2: a quote inside an unquoted field' });
    expect(records[1]).toEqual({ line: 2, fields: ['ok', '1'] });
  });

  it('reports text after a closing quote', () => {
    expect(parse('"a"b,c\nok\n')[0]).toEqual({ line: 1, error: 'column 1: text after the closing quote' });
  });

  it('reports a quoted field left open at the end of the input', () => {
    expect(parse('ok\n"never closed,\nstill open')).toEqual([
      { line: 1, fields: ['ok'] },
      { line: 2, error: 'column 1: a quoted field is not closed before the end of the file' },
    ]);
  });

  it('reads any table written with RFC 4180 quoting back, however it is cut into chunks', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', ' ', ';', 'z') });
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(table, fc.array(fc.nat(), { maxLength: 4 }), (rows, cuts) => {
        const text = rows.map((row) => row.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i, all) => text.slice(start, all[i + 1] ?? text.length));
        expect(fields(parse(...chunks))).toEqual(rows);
      }),
    );
  });
});

describe('CsvParser caps', () => {
  const limits = { maxLineBytes: 40, maxFieldBytes: 10 };
  const parse = (...chunks: string[]) => {
    const parser = new CsvParser(',', limits);
    return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
  };

  it('accepts fields and records within the caps', () => {
    expect(parse('a,"0123456789"\n', 'b,0123456789\n')).toEqual([
      { line: 1, fields: ['a', '0123456789'] },
      { line: 2, fields: ['b', '0123456789'] },
    ]);
  });

  it('refuses a field over the cap naming the line and the column, quoted or not', () => {
    expect(() => parse('a,b\nc,01234', '567890\n')).toThrow(
      /^line 2: column 2: the field is longer than the limit of 10 bytes/,
    );
    expect(() => parse('"', 'x'.repeat(20))).toThrow(/^line 1: column 1: the field is longer/);
  });

  it('refuses a record over the cap even when each field is short', () => {
    expect(() => parse('a,b\n' + 'abcdefgh,'.repeat(6))).toThrow(
      /^line 2: the record is longer than the limit of 40 bytes/,
    );
  });
});
