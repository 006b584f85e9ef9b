import { createReadStream, statSync } from 'node:fs';

/** A text file read as a stream of decoded chunks, with how far the reading has come. */
export interface TextSource {
  chunks: AsyncIterable<string>;
  /** bytes read from the file so far */
  bytesRead(): number;
  /** the file's size in bytes, when known */
  size?: number;
}

/**
 * Opens `file` for streaming: 64 KiB chunks decoded as UTF-8 (a character split across two chunks is kept
 * whole), so memory stays flat however large the file is. A missing or unreadable file fails here, before any
 * reading starts.
 */
export function openTextFile(file: string): TextSource {
  const stat = statSync(file);
  if (!stat.isFile()) throw new Error(`${file} is not a file`);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  return { chunks: stream, bytesRead: () => stream.bytesRead, size: stat.size };
}

/** A source over strings held in memory (tests, small inputs). */
export function textSource(...chunks: string[]): TextSource {
  let read = 0;
  async function* iterate(): AsyncIterable<string> {
    for (const chunk of chunks) {
      read += Buffer.byteLength(chunk);
      yield chunk;
    }
  }
  return {
    chunks: iterate(),
    bytesRead: () => read,
    size: chunks.reduce((n, c) => n + Buffer.byteLength(c), 0),
  };
}

export interface Line {
  text: string;
  /** 1-based */
  number: number;
}

/**
 * Splits chunks into lines on LF, dropping a CR before it (CRLF files) and a UTF-8 byte-order mark at the
 * start. A last line without a newline is yielded too; a file ending in a newline yields no empty last line.
 */
export async function* readLines(chunks: AsyncIterable<string>): AsyncIterable<Line> {
  let rest = '';
  let number = 0;
  let first = true;
  for await (const chunk of chunks) {
    let text = rest + chunk;
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      number += 1;
      yield { text: stripCr(text.slice(start, end)), number };
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) yield { text: stripCr(rest), number: number + 1 };
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
