/**
 * Bounded, linear readers for line-oriented input files (`events import`, and the statement importers through
 * #importers): bytes are decoded as strict UTF-8 and split into lines without ever holding more than one line
 * (capped) plus one chunk, and without re-scanning text already scanned, so time and memory grow linearly
 * with the input whatever its shape (one 200 MB line with no newline fails at the cap, fast).
 */

/** 1 MiB: the default cap on one line (and on one CSV field), in UTF-8 bytes. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export interface LineLimits {
  /** the longest line accepted, in UTF-8 bytes (without its line break) */
  maxLineBytes: number;
}

/** A line, or a CSV field, longer than the configured cap. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly limit: number,
    what = 'the line',
    setting = 'COMMUNIQUE_MAX_LINE_BYTES or --max-line-bytes',
  ) {
    super(`line ${line}: ${what} is longer than the limit of ${limit} bytes (${setting} sets it)`);
    this.name = 'LineTooLongError';
  }
}

/** Bytes that are not UTF-8, found on `line`. */
export class InvalidUtf8Error extends Error {
  constructor(readonly line: number) {
    super(`line ${line}: not valid UTF-8 (the file must be UTF-8; nothing is replaced silently)`);
    this.name = 'InvalidUtf8Error';
  }
}

export interface Line {
  text: string;
  /** 1-based */
  number: number;
}

/**
 * Decodes byte chunks as UTF-8 with `fatal: true`: an invalid sequence is an `InvalidUtf8Error` naming the
 * line it is on (counted by LF), never a silent U+FFFD. A character split across chunks is kept whole.
 */
export async function* decodeUtf8(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>,
): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let lineBreaks = 0;
  for await (const raw of chunks) {
    if (typeof raw === 'string') throw new TypeError('decodeUtf8: expected bytes, got a string');
    let text: string;
    try {
      text = decoder.decode(raw, { stream: true });
    } catch {
      // A line break is ASCII, so every one before this chunk has been decoded and counted.
      throw new InvalidUtf8Error(lineBreaks + 1 + lineBreaksBefore(raw, firstInvalid(raw)));
    }
    lineBreaks += countLineBreaks(text);
    yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } catch {
    throw new InvalidUtf8Error(lineBreaks + 1);
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) count += 1;
  return count;
}

function lineBreaksBefore(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) count += 1;
  return count;
}

/**
 * The offset of the first invalid UTF-8 sequence in a chunk whose decoding failed (only run then). Up to
 * three continuation bytes at its start may finish a character begun in the previous chunk and are skipped;
 * when nothing in the chunk itself is invalid, the fault is that unfinished character: offset 0.
 */
function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const b = bytes[i];
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let j = 1; j <= need && i + j < bytes.length; j++) {
      if ((bytes[i + j] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return 0;
}

/**
 * Splits text chunks into lines on LF, dropping a CR before it (CRLF files) and a byte-order mark at the
 * start. A last line without a newline is yielded too; a file ending in a newline yields no empty last line.
 *
 * Linear: each chunk is searched once, from where the previous search stopped; the pieces of a line spread
 * over several chunks are kept in a list and joined once. A line longer than `maxLineBytes` (UTF-8 bytes)
 * is a `LineTooLongError` naming it, raised as soon as the cap is passed (so at most the cap is held).
 */
export async function* readLines(
  chunks: AsyncIterable<string>,
  limits: LineLimits = { maxLineBytes: DEFAULT_MAX_LINE_BYTES },
): AsyncIterable<Line> {
  const max = limits.maxLineBytes;
  let pieces: string[] = [];
  let pendingBytes = 0;
  let number = 0;
  let first = true;
  for await (const chunk of chunks) {
    let text = chunk;
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      number += 1;
      const tail = text.slice(start, end);
      if (pendingBytes + byteLength(tail) > max + 1) throw new LineTooLongError(number, max);
      const line = pieces.length === 0 ? tail : pieces.join('') + tail;
      pieces = [];
      pendingBytes = 0;
      const stripped = stripCr(line);
      if (byteLength(stripped) > max) throw new LineTooLongError(number, max);
      yield { text: stripped, number };
      start = end + 1;
    }
    if (start < text.length) {
      const rest = text.slice(start);
      pendingBytes += byteLength(rest);
      // + 1: a CR that a CRLF line break will drop
      if (pendingBytes > max + 1) throw new LineTooLongError(number + 1, max);
      pieces.push(rest);
    }
  }
  if (pieces.length > 0) {
    const line = stripCr(pieces.join(''));
    if (byteLength(line) > max) throw new LineTooLongError(number + 1, max);
    yield { text: line, number: number + 1 };
  }
}

/** UTF-8 length of a string, counted without encoding it. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * The cap from a setting (an environment variable or a command-line flag): a positive integer of bytes.
 * `name` names the setting in the error.
 */
export function parseByteLimit(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${name} must be a whole number of bytes >= 1, got ${JSON.stringify(value)}`);
  }
  return n;
}
