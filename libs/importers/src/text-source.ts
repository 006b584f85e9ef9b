import { createReadStream, statSync } from 'node:fs';
import { DEFAULT_MAX_LINE_BYTES, decodeUtf8 } from '#event-store';

/** A text file read as a stream of decoded chunks, with how far the reading has come. */
export interface TextSource {
  chunks: AsyncIterable<string>;
  /** bytes read from the file so far */
  bytesRead(): number;
  /** the file's size in bytes, when known */
  size?: number;
}

/**
 * Opens `file` for streaming: 64 KiB chunks decoded as strict UTF-8 (a character split across two chunks is
 * kept whole; invalid bytes are an `InvalidUtf8Error` naming the line, never replaced), so memory stays flat
 * however large the file is. A missing or unreadable file fails here, before any reading starts.
 */
export function openTextFile(file: string): TextSource {
  const stat = statSync(file);
  if (!stat.isFile()) throw new Error(`${file} is not a file`);
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  return { chunks: decodeUtf8(stream), bytesRead: () => stream.bytesRead, size: stat.size };
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

export { readLines, LineTooLongError, InvalidUtf8Error, type Line } from '#event-store';

/**
 * The caps every reader applies (DESIGN §8, docs/SECURITY.md): one line (for CSV, one record) and one CSV
 * field, in UTF-8 bytes; 1 MiB each unless configured (`COMMUNIQUE_MAX_LINE_BYTES`, `COMMUNIQUE_MAX_FIELD_BYTES`,
 * or `--max-line-bytes`, `--max-field-bytes` of `communique import`).
 */
export interface ReaderLimits {
  maxLineBytes: number;
  maxFieldBytes: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = {
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxFieldBytes: DEFAULT_MAX_LINE_BYTES,
};
