import { STATEMENT_INPUT_KEYS, canonicalId, canonicalJson, type StatementInput } from '#domain';
import { uuidV5 } from './ids.js';
import { ImportFormatError, READ_ONLY_FIELDS, reject, type SourceRecord } from './records.js';
import { DEFAULT_READER_LIMITS, readLines, type ReaderLimits } from './text-source.js';

const INPUT_KEYS: ReadonlySet<string> = new Set(STATEMENT_INPUT_KEYS);
const NESTED_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  speaker: new Set(['name', 'role', 'country', 'organization']),
  location: new Set(['city', 'country']),
  sources: new Set(['url', 'outlet', 'publishedAt', 'via']),
};

type Json = Record<string, unknown>;

/** Response links one NDJSON line may carry (an export lists each statement's links; more is not a statement). */
export const MAX_RESPONSE_LINKS = 100;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * NDJSON: one statement per line, a JSON object in the shape of `RecordStatementInput` (DESIGN §4, §8), with
 * an optional `id` and optional `respondsTo` (ids of the statements it responds to, linked when the statement
 * is recorded). The computed fields of an exported statement (`goldstein`, `status`, `version`,
 * `recordedAt`, `updatedAt`, `responses`, `history`) are ignored, so a JSON export re-imports;
 * any other unknown field is a rejection naming it. Without an `id`, the id is a UUID v5 of the line's content
 * (its canonical JSON without the ignored fields), so the same line imports to the same statement.
 *
 * Blank lines are ignored. A first statement line that is not JSON means the file is not NDJSON.
 */
export async function* readNdjson(
  chunks: AsyncIterable<string>,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncIterable<SourceRecord> {
  let seenRecord = false;
  for await (const { text, number } of readLines(chunks, limits)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = `not valid JSON (${(error as Error).message})`;
      if (!seenRecord) throw new ImportFormatError('NDJSON', `line ${number}: ${reason}`);
      yield reject(number, 'line', reason);
      continue;
    }
    seenRecord = true;
    yield ndjsonRecord(value, number);
  }
}

/** One NDJSON line's value as a source record. */
export function ndjsonRecord(value: unknown, line: number): SourceRecord {
  if (!isObject(value)) return reject(line, 'line', 'must be a JSON object (one statement per line)');
  const input: Json = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === 'id' || key === 'respondsTo' || READ_ONLY_FIELDS.has(key)) continue;
    if (!INPUT_KEYS.has(key)) return reject(line, key, 'is not a statement field');
    input[key] = member;
  }
  for (const [key, allowed] of Object.entries(NESTED_KEYS)) {
    const items = key === 'sources' && Array.isArray(input[key]) ? (input[key] as unknown[]) : [input[key]];
    for (const [index, item] of items.entries()) {
      if (!isObject(item)) continue; // the domain names the field when it is not an object
      for (const member of Object.keys(item)) {
        if (!allowed.has(member)) {
          const path = key === 'sources' ? `sources.${index}.${member}` : `${key}.${member}`;
          return reject(line, path, 'is not a field of this object');
        }
      }
    }
  }
  const given = value.id;
  if (given !== undefined && given !== null && typeof given !== 'string') {
    return reject(line, 'id', 'must be a string (a UUID)');
  }
  const id =
    typeof given === 'string' && given !== '' ? canonicalId(given) : uuidV5(`ndjson:${canonicalJson(input)}`);
  const links = value.respondsTo;
  if (links === undefined || links === null || (Array.isArray(links) && links.length === 0)) {
    return { kind: 'statement', line, id, input: input as unknown as StatementInput };
  }
  if (!Array.isArray(links)) return reject(line, 'respondsTo', 'must be a list of statement ids');
  if (links.length > MAX_RESPONSE_LINKS) {
    return reject(line, 'respondsTo', `lists at most ${MAX_RESPONSE_LINKS} statements`);
  }
  const respondsTo: string[] = [];
  for (const [index, link] of links.entries()) {
    if (typeof link !== 'string')
      return reject(line, `respondsTo.${index}`, 'must be a statement id (a UUID)');
    respondsTo.push(canonicalId(link));
  }
  return { kind: 'statement', line, id, input: input as unknown as StatementInput, respondsTo };
}
