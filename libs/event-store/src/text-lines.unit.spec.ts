import { InvalidUtf8Error, LineTooLongError, decodeUtf8, parseByteLimit, readLines } from './text-lines.js';

async function* from<T>(items: T[], seen?: { count: number }): AsyncIterable<T> {
  for (const item of items) {
    if (seen) seen.count += 1;
    yield item;
  }
}

const lines = async (chunks: string[], maxLineBytes = 1024) => {
  const out: [number, string][] = [];
  for await (const line of readLines(from(chunks), { maxLineBytes })) out.push([line.number, line.text]);
  return out;
};

const decoded = async (chunks: number[][]) => {
  let text = '';
  for await (const part of decodeUtf8(from(chunks.map((c) => Uint8Array.from(c))))) text += part;
  return text;
};

describe('readLines (bounded)', () => {
  it('joins a line spread over many chunks, drops CR and a leading BOM', async () => {
    expect(await lines(['\uFEFFab', 'c', 'd\r\ne', 'f\n', '\ng'])).toEqual([
      [1, 'abcd'],
      [2, 'ef'],
      [3, ''],
      [4, 'g'],
    ]);
  });

  it('accepts a line of exactly the cap in UTF-8 bytes and refuses one byte more, naming the line', async () => {
    expect(await lines(['ok\n', 'é'.repeat(5), '\n'], 10)).toEqual([
      [1, 'ok'],
      [2, 'ééééé'],
    ]);
    await expect(lines(['ok\n', 'é'.repeat(5), 'x\n'], 10)).rejects.toThrow(new LineTooLongError(2, 10));
    await expect(lines(['ok\nlast line without newline'], 10)).rejects.toThrow(/^line 2: the line is longer/);
  });

  it('fails as soon as a line without a newline passes the cap, without reading the rest', async () => {
    const seen = { count: 0 };
    const chunks = Array.from({ length: 1000 }, () => 'x'.repeat(100));
    const reading = (async () => {
      for await (const _line of readLines(from(chunks, seen), { maxLineBytes: 1000 })) void _line;
    })();
    await expect(reading).rejects.toBeInstanceOf(LineTooLongError);
    expect(seen.count).toBe(11);
  });
});

describe('decodeUtf8 (fatal)', () => {
  it('keeps a character split across chunks whole', async () => {
    expect(await decoded([[0x61, 0xc3], [0xa9, 0x0a, 0xe4, 0xb8], [0xad]])).toBe('aé\n中');
  });

  it('refuses invalid bytes naming their line, never replacing them', async () => {
    await expect(
      decoded([
        [0x61, 0x0a, 0x62, 0x0a],
        [0x63, 0xff, 0x0a],
      ]),
    ).rejects.toThrow(new InvalidUtf8Error(3));
    await expect(decoded([[0x0a, 0x0a, 0x0a, 0xc3, 0x28]])).rejects.toThrow(/^line 4: not valid UTF-8/);
    await expect(decoded([[0x61, 0x0a, 0xe4, 0xb8]])).rejects.toThrow(/^line 2: not valid UTF-8/);
  });
});

describe('parseByteLimit', () => {
  it('reads a positive whole number of bytes and names the setting otherwise', () => {
    expect(parseByteLimit(undefined, 'X', 7)).toBe(7);
    expect(parseByteLimit('2048', 'X', 7)).toBe(2048);
    for (const bad of ['0', '-1', '1.5', 'lots', '1e400']) {
      expect(() => parseByteLimit(bad, 'COMMUNIQUE_MAX_LINE_BYTES', 7)).toThrow(
        /COMMUNIQUE_MAX_LINE_BYTES must be/,
      );
    }
  });
});
