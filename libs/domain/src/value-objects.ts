import { ValidationError } from './errors.js';
import { isPartialDate } from './partial-date.js';
import type { CountryResolver } from './reference-ports.js';
import { ATTRIBUTIONS, STATEMENT_KINDS, type Attribution, type StatementKind } from './statement.js';

/**
 * Value objects of a statement. Each `parse*` takes the raw value and the path of its field (e.g.
 * `input.targets.1`), returns the normalised value, and throws `ValidationError(field, reason)` otherwise.
 * Inputs are typed `unknown` on purpose: commands come from JSON, so a number where a string belongs is
 * reported as a validation error, not a crash.
 */

export const LIMITS = {
  text: 10_000,
  name: 200,
  shortText: 200,
  reason: 2_000,
  url: 2_048,
  topic: 64,
  countries: 50,
  topics: 50,
  sources: 50,
  /** statements one statement may respond to (`LinkResponse`): bounds the link graph a reader walks */
  respondsTo: 20,
} as const;

/** Code points that are control characters (C0, DEL, C1); `allowed` lists exceptions such as `\n`. */
function hasControlCharacter(value: string, allowed: readonly string[] = []): boolean {
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if ((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) && !allowed.includes(ch)) return true;
  }
  return false;
}

const lengthOf = (value: string): number => [...value].length;

/** A UTF-16 surrogate without its pair: not a character, and not storable as UTF-8 unchanged. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the line and paragraph
 * separators (U+2028, U+2029): in a one-line value (a name, an outlet) they can make what is displayed
 * differ from what is stored, so only multi-line text may hold them.
 */
const BIDI_CONTROL_OR_SEPARATOR = /[\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;

/**
 * Invisible format characters (Unicode category Cf: U+00AD, U+200B-U+200F, U+2060-U+2064, U+FEFF, tag
 * characters, ...): in a one-line value (a name, an outlet) they make two values that look the same differ
 * (`Putin` and `Pu\u200Btin` would be two speakers), so only multi-line text may hold them.
 */
const INVISIBLE_FORMAT = /\p{Cf}/u;

export interface TextOptions {
  max: number;
  /** allow line breaks and tabs (the statement text); other fields are single-line */
  multiline?: boolean;
}

/**
 * A required string: trimmed, NFC-normalised, non-empty, no control characters (line breaks and tabs only
 * where `multiline`; `\r\n` becomes `\n`), at most `max` code points.
 */
export function parseText(value: unknown, field: string, options: TextOptions): string {
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  let text = value.normalize('NFC').trim();
  if (options.multiline) text = text.replace(/\r\n?/g, '\n');
  if (text === '') throw new ValidationError(field, 'must not be empty');
  if (LONE_SURROGATE.test(text)) {
    throw new ValidationError(field, 'must be well-formed Unicode (it holds an unpaired surrogate)');
  }
  if (hasControlCharacter(text, options.multiline ? ['\n', '\t'] : [])) {
    throw new ValidationError(field, 'must not contain control characters');
  }
  if (!options.multiline && BIDI_CONTROL_OR_SEPARATOR.test(text)) {
    throw new ValidationError(
      field,
      'must not contain bidirectional control characters or line separators (U+202A-U+202E, U+2066-U+2069, U+2028, U+2029)',
    );
  }
  if (!options.multiline && INVISIBLE_FORMAT.test(text)) {
    const ch = text.match(INVISIBLE_FORMAT)?.[0] ?? '';
    throw new ValidationError(
      field,
      `must not contain invisible format characters (Unicode category Cf, such as zero-width spaces and ` +
        `joiners or a byte-order mark); found U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
    );
  }
  if (lengthOf(text) > options.max)
    throw new ValidationError(field, `must be at most ${options.max} characters`);
  return text;
}

/** An optional string: `undefined`, `null` and blank mean absent (undefined); otherwise as `parseText`. */
export function parseOptionalText(value: unknown, field: string, options: TextOptions): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return parseText(value, field, options);
}

/** A reason for a correction, retraction or restoration: required, single-line is not required. */
export const parseReason = (value: unknown, field = 'reason'): string =>
  parseText(value, field, { max: LIMITS.reason, multiline: true });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * A UUID (any version, either case), returned in lower case: it names the stream, so `ABC…` and `abc…` must
 * be one statement.
 */
export function parseUuid(value: unknown, field: string): string {
  if (!isUuid(value)) throw new ValidationError(field, `must be a UUID, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/**
 * An id as it reaches the domain from any door (GraphQL arguments and inputs, importers, CLI): a UUID in
 * lower case; anything else unchanged (so the domain still refuses it with its field named). Doors call this
 * before an id names a stream or a read-model row.
 */
export function canonicalId<T>(value: T): T {
  return (isUuid(value) ? value.toLowerCase() : value) as T;
}

/** A country as alpha-2, from an alpha-2 or alpha-3 code or an English name. */
export function parseCountry(value: unknown, field: string, countries: CountryResolver): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(field, 'must be a country (ISO 3166-1 alpha-2, alpha-3 or English name)');
  }
  const alpha2 = countries.resolve(value.trim());
  if (alpha2 === undefined) {
    throw new ValidationError(
      field,
      `unknown country "${value.trim()}" (expected an ISO 3166-1 alpha-2 or alpha-3 code or an English name)`,
    );
  }
  return alpha2;
}

export function parseOptionalCountry(
  value: unknown,
  field: string,
  countries: CountryResolver,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return parseCountry(value, field, countries);
}

const TOPIC_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A topic slug: trimmed and lower-cased, then lower-case kebab (`counter-terrorism`), at most 64 chars. */
export function parseTopic(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a topic slug string');
  const slug = value.trim().toLowerCase();
  if (slug === '') throw new ValidationError(field, 'must not be empty');
  if (slug.length > LIMITS.topic)
    throw new ValidationError(field, `must be at most ${LIMITS.topic} characters`);
  if (!TOPIC_SLUG.test(slug)) {
    throw new ValidationError(
      field,
      `"${value.trim()}" is not a topic slug: use lower-case letters and digits in words joined by single hyphens (e.g. counter-terrorism)`,
    );
  }
  return slug;
}

/**
 * A BCP-47 language tag, loosely: a 2-3 letter language, then subtags of 2-8 letters or digits
 * (`en`, `zh-Hans-CN`, `pt-BR`). Normalised to the usual case: `en-GB`, `zh-Hans`.
 */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

export function parseLanguage(value: unknown, field: string): string {
  if (typeof value !== 'string' || !LANGUAGE_TAG.test(value.trim())) {
    throw new ValidationError(
      field,
      `must be a BCP-47 language tag such as "en" or "zh-Hans", got ${JSON.stringify(value)}`,
    );
  }
  const [language, ...subtags] = value.trim().split('-');
  const cased = subtags.map((tag) =>
    /^[a-z]{2}$/i.test(tag)
      ? tag.toUpperCase()
      : /^[a-z]{4}$/i.test(tag)
        ? tag[0].toUpperCase() + tag.slice(1).toLowerCase()
        : tag.toLowerCase(),
  );
  return [language.toLowerCase(), ...cased].join('-');
}

/** An absolute http(s) URL, at most 2,048 characters, in its WHATWG-serialised form (`URL.href`). */
export function parseUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be an absolute http or https URL');
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationError(field, 'must not be empty');
  if (hasControlCharacter(trimmed)) throw new ValidationError(field, 'must not contain control characters');
  if (trimmed.length > LIMITS.url * 4)
    throw new ValidationError(field, `must be at most ${LIMITS.url} characters`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ValidationError(field, `"${trimmed}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(field, `must be an http or https URL, got ${url.protocol}`);
  }
  if (url.hostname === '') throw new ValidationError(field, 'must name a host');
  const href = url.href;
  if (href.length > LIMITS.url) throw new ValidationError(field, `must be at most ${LIMITS.url} characters`);
  return href;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO-8601 instant with a time and an offset (`2019-05-16T08:30:00Z`, `2019-05-16T10:30+02:00`),
 * normalised to `Date.prototype.toISOString()` form. Parsing a given string is not reading the clock.
 */
export function parseInstant(value: unknown, field: string): string {
  const problem = `must be an ISO-8601 instant with a time and offset, e.g. 2019-05-16T08:30:00Z, got ${JSON.stringify(value)}`;
  if (typeof value !== 'string') throw new ValidationError(field, problem);
  const match = INSTANT.exec(value.trim());
  if (!match) throw new ValidationError(field, problem);
  const [, date, hh, mm, ss = '00'] = match;
  if (!isPartialDate(date) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) {
    throw new ValidationError(field, `"${value.trim()}" is not a real instant`);
  }
  const ms = Date.parse(value.trim().replace(' ', 'T'));
  if (Number.isNaN(ms)) throw new ValidationError(field, problem);
  return new Date(ms).toISOString();
}

export function parseKind(value: unknown, field: string): StatementKind {
  if (typeof value !== 'string' || !(STATEMENT_KINDS as readonly string[]).includes(value)) {
    throw new ValidationError(
      field,
      `must be one of ${STATEMENT_KINDS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as StatementKind;
}

export function parseAttribution(value: unknown, field: string): Attribution {
  if (typeof value !== 'string' || !(ATTRIBUTIONS as readonly string[]).includes(value)) {
    throw new ValidationError(
      field,
      `must be one of ${ATTRIBUTIONS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as Attribution;
}

/**
 * A list: `undefined`/`null` is empty (unless `required`), each item parsed with its index in the path
 * (`input.targets.1`), duplicates of an earlier item's `key` dropped, order kept, then at most `max` items
 * (the bound is on distinct items; the size of a request as such is the transport's to limit).
 */
export function parseList<T>(
  value: unknown,
  field: string,
  options: { max: number; required?: boolean; key?: (item: T) => string },
  parseItem: (item: unknown, field: string) => T,
): T[] {
  if (value === undefined || value === null) {
    if (options.required) throw new ValidationError(field, 'must have at least one item');
    return [];
  }
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be a list');
  // duplicates are dropped before the bound applies, but a list far longer than it is refused unread
  if (value.length > options.max * 10) {
    throw new ValidationError(field, `must have at most ${options.max} items (got ${value.length})`);
  }
  if (options.required && value.length === 0) throw new ValidationError(field, 'must have at least one item');
  const key = options.key ?? ((item: T) => String(item));
  const seen = new Set<string>();
  const result: T[] = [];
  value.forEach((item, index) => {
    const parsed = parseItem(item, `${field}.${index}`);
    const k = key(parsed);
    if (seen.has(k)) return;
    seen.add(k);
    result.push(parsed);
  });
  if (result.length > options.max) throw new ValidationError(field, `must have at most ${options.max} items`);
  return result;
}
