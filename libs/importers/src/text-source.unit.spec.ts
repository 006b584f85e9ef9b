import { readLines, textSource } from './text-source.js';
import { uuidV5 } from './ids.js';

const lines = async (...chunks: string[]) => {
  const out: [number, string][] = [];
  for await (const line of readLines(textSource(...chunks).chunks)) out.push([line.number, line.text]);
  return out;
};

describe('readLines', () => {
  it('splits on LF and CRLF, and yields a last line without a newline', async () => {
    expect(await lines('a\r\nb\nc')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('yields no empty line after a final newline, but keeps empty lines in between', async () => {
    expect(await lines('a\n\nb\r\n')).toEqual([
      [1, 'a'],
      [2, ''],
      [3, 'b'],
    ]);
  });

  it('gives the same lines however the text is cut into chunks, CRLF split included', async () => {
    const text = '\ufeffalpha\r\nbeta\r\n\r\ngamma é\ndelta';
    const whole = await lines(text);
    expect(whole[0]).toEqual([1, 'alpha']);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await lines(text.slice(0, cut), text.slice(cut))).toEqual(whole);
    }
    expect(await lines(...text.split(''))).toEqual(whole);
  });

  it('drops a byte-order mark only at the start of the file', async () => {
    expect(await lines('\ufeffa\n\ufeffb')).toEqual([
      [1, 'a'],
      [2, '\ufeffb'],
    ]);
  });
});

describe('uuidV5', () => {
  it('matches the RFC 9562 name-based UUID of a known name', () => {
    // uuid5(NAMESPACE_DNS, "www.example.com"), as Python's uuid module computes it
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('is deterministic and differs by name', () => {
    expect(uuidV5('gdelt:1')).toBe(uuidV5('gdelt:1'));
    expect(uuidV5('gdelt:1')).not.toBe(uuidV5('gdelt:2'));
    expect(uuidV5('gdelt:479491239')).toBe('f3e26342-d136-5b18-9b96-fea67cd2a697');
  });
});
