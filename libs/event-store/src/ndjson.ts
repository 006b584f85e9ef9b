import type { StoredEvent } from './audit.js';
import { canonicalJson } from './hash-chain.js';
import { DEFAULT_MAX_LINE_BYTES, decodeUtf8, readLines, type LineLimits } from './text-lines.js';

/**
 * The backup format of `communique events export` / `events import`: NDJSON, one event per line, in global
 * order, every stored field kept:
 *
 * `{"id":…,"stream":…,"revision":0,"position":"1","type":…,"data":{…},"metadata":{…},"hash":…,"chainHash":…}`
 *
 * `position` is a decimal string (positions may exceed 2^53); `metadata` is the stored metadata (with
 * `prevHash`, without `hash`); `data` and `metadata` are the stored canonical JSON, so the event hash can be
 * recomputed from the line alone (hash-chain.ts). `chainHash` (the global chain) is null for an event stored
 * without one.
 *
 * Reading is strict: a line must be byte for byte the line this function writes for the event it holds
 * (same member order, no whitespace, canonical data and metadata), so no byte of a line can change without
 * the import refusing it, even a change that would parse to the same values (`1e+21` / `1E+21`).
 */
export function toExportLine(event: StoredEvent): string {
  return (
    `{"id":${JSON.stringify(event.id)},"stream":${JSON.stringify(event.stream)},` +
    `"revision":${event.revision},"position":"${event.position}","type":${JSON.stringify(event.type)},` +
    `"data":${event.data},"metadata":${event.metadata},"hash":${JSON.stringify(event.hash)},` +
    `"chainHash":${event.chainHash === null ? 'null' : JSON.stringify(event.chainHash)}}`
  );
}

/** A line of an export file that cannot be read as an event; names the line and the field. */
export class ExportLineError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`line ${line}: ${field}: ${reason}`);
    this.name = 'ExportLineError';
  }
}

/** Parses one export line (1-based `line` for messages). */
export function parseExportLine(text: string, line: number): StoredEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExportLineError(line, 'line', `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExportLineError(line, 'line', 'not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const text_ = (field: string): string => {
    const v = record[field];
    if (typeof v !== 'string' || v === '')
      throw new ExportLineError(line, field, 'must be a non-empty string');
    return v;
  };
  const object = (field: string): string => {
    const v = record[field];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new ExportLineError(line, field, 'must be a JSON object');
    }
    return canonicalJson(v);
  };
  const revision = record.revision;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new ExportLineError(line, 'revision', 'must be an integer >= 0');
  }
  const rawPosition = record.position;
  const positionText = typeof rawPosition === 'number' ? String(rawPosition) : rawPosition;
  if (typeof positionText !== 'string' || !/^[1-9][0-9]{0,19}$/.test(positionText)) {
    throw new ExportLineError(line, 'position', 'must be a positive integer (a decimal string)');
  }
  const chainHash = record.chainHash ?? null;
  if (chainHash !== null && typeof chainHash !== 'string') {
    throw new ExportLineError(line, 'chainHash', 'must be a string or null');
  }
  const metadata = object('metadata');
  if ('hash' in (record.metadata as object)) {
    throw new ExportLineError(line, 'metadata.hash', 'the hash belongs in the top-level "hash" field');
  }
  const event: StoredEvent = {
    id: text_('id'),
    stream: text_('stream'),
    revision,
    position: BigInt(positionText),
    type: text_('type'),
    data: object('data'),
    metadata,
    hash: text_('hash'),
    chainHash,
  };
  if (toExportLine(event) !== text) {
    throw new ExportLineError(
      line,
      'line',
      'is not byte for byte the line `events export` writes for the event it holds (a byte was changed, ' +
        'or members were reordered, reformatted or added)',
    );
  }
  return event;
}

/**
 * The events of an export file given as byte chunks, with their 1-based line numbers; blank lines skipped.
 * Strict UTF-8 and bounded lines (text-lines.ts): invalid bytes, a line over the cap or a line that is not an
 * exported event is an error naming the line (`InvalidUtf8Error`, `LineTooLongError`, `ExportLineError`).
 */
export async function* readExportFile(
  bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limits: LineLimits = { maxLineBytes: DEFAULT_MAX_LINE_BYTES },
): AsyncIterable<{ line: number; event: StoredEvent }> {
  for await (const { text, number } of readLines(decodeUtf8(bytes), limits)) {
    if (text.trim() === '') continue;
    yield { line: number, event: parseExportLine(text, number) };
  }
}
