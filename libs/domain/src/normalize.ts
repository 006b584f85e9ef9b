import { cameoRootOf, kindFromCameoRoot, parseCameoCode } from './cameo.js';
import { sameJson } from './canonical-json.js';
import type { StatementInput } from './commands.js';
import { ValidationError } from './errors.js';
import { parsePartialDate } from './partial-date.js';
import type { CountryResolver, ReferenceData } from './reference-ports.js';
import type { Place, Source, Speaker, StatementFields, StatementKind } from './statement.js';
import {
  LIMITS,
  parseAttribution,
  parseCountry,
  parseInstant,
  parseKind,
  parseLanguage,
  parseList,
  parseOptionalCountry,
  parseOptionalText,
  parseText,
  parseTopic,
  parseUrl,
} from './value-objects.js';

/**
 * Validation and normalisation of statement input into the values events hold. Absent optional values are
 * omitted from the result (never `undefined` or `null` members), so the canonical JSON of two equal
 * statements is equal. Importers reuse `normalizeStatementInput`.
 */

const SHORT = { max: LIMITS.shortText } as const;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function objectAt(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw new ValidationError(field, 'must be an object');
  return value;
}

/** Copies the members of `values` that are not undefined, in order. */
function compact<T extends object>(values: T): T {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) result[key] = value;
  return result as T;
}

export function normalizeSpeaker(value: unknown, field: string, countries: CountryResolver): Speaker {
  const speaker = objectAt(value, field);
  return compact<Speaker>({
    name: parseText(speaker.name, `${field}.name`, { max: LIMITS.name }),
    role: parseOptionalText(speaker.role, `${field}.role`, SHORT),
    country: parseOptionalCountry(speaker.country, `${field}.country`, countries),
    organization: parseOptionalText(speaker.organization, `${field}.organization`, SHORT),
  });
}

/** A place, or undefined when it is absent or has neither city nor country. */
export function normalizePlace(value: unknown, field: string, countries: CountryResolver): Place | undefined {
  if (value === undefined || value === null) return undefined;
  const place = objectAt(value, field);
  const result = compact<Place>({
    city: parseOptionalText(place.city, `${field}.city`, SHORT),
    country: parseOptionalCountry(place.country, `${field}.country`, countries),
  });
  return Object.keys(result).length === 0 ? undefined : result;
}

/** A source: `url` an absolute http(s) URL, `publishedAt` an ISO-8601 instant, the rest short text. */
export function normalizeSource(value: unknown, field: string): Source {
  const source = objectAt(value, field);
  return compact<Source>({
    url: parseUrl(source.url, `${field}.url`),
    outlet: parseOptionalText(source.outlet, `${field}.outlet`, SHORT),
    publishedAt:
      source.publishedAt === undefined || source.publishedAt === null || source.publishedAt === ''
        ? undefined
        : parseInstant(source.publishedAt, `${field}.publishedAt`),
    via: parseOptionalText(source.via, `${field}.via`, SHORT),
  });
}

const countryList = (value: unknown, field: string, countries: CountryResolver): string[] =>
  parseList(value, field, { max: LIMITS.countries }, (item, path) => parseCountry(item, path, countries));

const topicList = (value: unknown, field: string): string[] =>
  parseList(value, field, { max: LIMITS.topics }, parseTopic);

const sourceList = (value: unknown, field: string): Source[] =>
  parseList(
    value,
    field,
    { max: LIMITS.sources, required: true, key: (s: Source) => s.url },
    normalizeSource,
  );

const optionalLanguage = (value: unknown, field: string): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : parseLanguage(value, field);

interface Classification {
  kind: StatementKind;
  cameoCode?: string;
  goldstein?: number;
}

/**
 * `kind` from the CAMEO code's root when a code is given (its Goldstein score from the codebook), else the
 * given kind. A given kind that disagrees with the code's root is an error on `kind`.
 */
function classify(
  kindValue: unknown,
  cameoValue: unknown,
  prefix: string,
  ref: ReferenceData,
): Classification {
  const kind =
    kindValue === undefined || kindValue === null ? undefined : parseKind(kindValue, `${prefix}.kind`);
  if (cameoValue !== undefined && cameoValue !== null && cameoValue !== '') {
    const entry = parseCameoCode(cameoValue, `${prefix}.cameoCode`, ref.cameo);
    const codeKind = kindFromCameoRoot(entry.root);
    if (kind !== undefined && kind !== codeKind) {
      throw new ValidationError(
        `${prefix}.kind`,
        `kind ${kind} disagrees with CAMEO code ${entry.code}, whose root ${entry.root} is ${codeKind}`,
      );
    }
    return { kind: codeKind, cameoCode: entry.code, goldstein: entry.goldstein };
  }
  if (kind === undefined) throw new ValidationError(`${prefix}.kind`, 'give kind or cameoCode');
  return { kind };
}

/** Validates and normalises a whole statement. Field paths start with `fieldPrefix` (`input.targets.1`). */
export function normalizeStatementInput(
  input: StatementInput,
  ref: ReferenceData,
  fieldPrefix = 'input',
): StatementFields {
  const raw = objectAt(input, fieldPrefix);
  const at = (key: string): string => `${fieldPrefix}.${key}`;
  const speaker = normalizeSpeaker(raw.speaker, at('speaker'), ref.countries);
  const classification = classify(raw.kind, raw.cameoCode, fieldPrefix, ref);
  return compact<StatementFields>({
    occurredOn: parsePartialDate(raw.occurredOn, at('occurredOn')).value,
    speaker,
    speakerCountry:
      parseOptionalCountry(raw.speakerCountry, at('speakerCountry'), ref.countries) ?? speaker.country,
    targets: countryList(raw.targets, at('targets'), ref.countries),
    mentions: countryList(raw.mentions, at('mentions'), ref.countries),
    topics: topicList(raw.topics, at('topics')),
    kind: classification.kind,
    cameoCode: classification.cameoCode,
    goldstein: classification.goldstein,
    text: parseText(raw.text, at('text'), { max: LIMITS.text, multiline: true }),
    attribution: parseAttribution(raw.attribution, at('attribution')),
    language: optionalLanguage(raw.language, at('language')),
    location: normalizePlace(raw.location, at('location'), ref.countries),
    sources: sourceList(raw.sources, at('sources')),
  });
}

/** The keys of `StatementInput`: what a correction may name. */
export const STATEMENT_INPUT_KEYS = [
  'occurredOn',
  'speaker',
  'speakerCountry',
  'targets',
  'mentions',
  'topics',
  'kind',
  'cameoCode',
  'text',
  'attribution',
  'language',
  'location',
  'sources',
] as const satisfies readonly (keyof StatementInput)[];

const isAbsent = (value: unknown): boolean => value === undefined || value === null || value === '';

/**
 * Validates and normalises a correction against the current statement and returns ONLY the fields whose
 * normalised value differs from `current` (an empty object when nothing changes).
 *
 * - `speaker` and `location` are replaced whole, not merged member by member.
 * - `targets`, `mentions`, `topics` and `sources` are replaced whole; `null` means an empty list (but
 *   `sources` must keep at least one).
 * - A new `cameoCode` also sets `kind` and `goldstein`; a `kind` that disagrees with the statement's
 *   (current or new) CAMEO code is an error on `kind`.
 * - `speakerCountry: null` means "the speaker's country", as when recording. When the speaker changes and
 *   `speakerCountry` is not given, a speaker country that followed the old speaker's country follows the
 *   new one.
 * - A correction cannot remove an optional value (`language`, `location`, `cameoCode`, `speakerCountry`):
 *   `StatementCorrected.changes` has no way to say "removed", so `null` for a value that is set is an error.
 */
export function normalizeStatementChanges(
  changes: Partial<StatementInput>,
  current: StatementFields,
  ref: ReferenceData,
  fieldPrefix = 'input',
): Partial<StatementFields> {
  const raw = objectAt(changes, fieldPrefix);
  const at = (key: string): string => `${fieldPrefix}.${key}`;
  for (const key of Object.keys(raw)) {
    if (!(STATEMENT_INPUT_KEYS as readonly string[]).includes(key)) {
      throw new ValidationError(at(key), 'is not a statement field a correction can change');
    }
  }
  const given = (key: (typeof STATEMENT_INPUT_KEYS)[number]): boolean => raw[key] !== undefined;
  const cannotRemove = (key: keyof StatementFields): never => {
    throw new ValidationError(
      at(key),
      'a correction cannot remove this value; give a new one (or retract and record the statement anew)',
    );
  };
  const next: Partial<StatementFields> = {};

  if (given('occurredOn')) next.occurredOn = parsePartialDate(raw.occurredOn, at('occurredOn')).value;
  if (given('speaker')) next.speaker = normalizeSpeaker(raw.speaker, at('speaker'), ref.countries);
  const speaker = next.speaker ?? current.speaker;

  if (given('speakerCountry')) {
    const country =
      parseOptionalCountry(raw.speakerCountry, at('speakerCountry'), ref.countries) ?? speaker.country;
    if (country === undefined) {
      if (current.speakerCountry !== undefined) cannotRemove('speakerCountry');
    } else next.speakerCountry = country;
  } else if (
    next.speaker?.country !== undefined &&
    (current.speakerCountry === undefined || current.speakerCountry === current.speaker.country)
  ) {
    next.speakerCountry = next.speaker.country;
  }

  if (given('targets')) next.targets = countryList(raw.targets, at('targets'), ref.countries);
  if (given('mentions')) next.mentions = countryList(raw.mentions, at('mentions'), ref.countries);
  if (given('topics')) next.topics = topicList(raw.topics, at('topics'));

  if (given('cameoCode') && !isAbsent(raw.cameoCode)) {
    Object.assign(next, classify(raw.kind, raw.cameoCode, fieldPrefix, ref));
  } else {
    if (given('cameoCode') && current.cameoCode !== undefined) cannotRemove('cameoCode');
    if (given('kind') && raw.kind !== null) {
      const kind = parseKind(raw.kind, at('kind'));
      if (current.cameoCode !== undefined) {
        const codeKind = kindFromCameoRoot(cameoRootOf(current.cameoCode));
        if (kind !== codeKind) {
          throw new ValidationError(
            at('kind'),
            `kind ${kind} disagrees with the statement's CAMEO code ${current.cameoCode} (${codeKind}); correct cameoCode too`,
          );
        }
      }
      next.kind = kind;
    }
  }

  if (given('text')) next.text = parseText(raw.text, at('text'), { max: LIMITS.text, multiline: true });
  if (given('attribution')) next.attribution = parseAttribution(raw.attribution, at('attribution'));
  if (given('language')) {
    const language = optionalLanguage(raw.language, at('language'));
    if (language === undefined) {
      if (current.language !== undefined) cannotRemove('language');
    } else next.language = language;
  }
  if (given('location')) {
    const location = normalizePlace(raw.location, at('location'), ref.countries);
    if (location === undefined) {
      if (current.location !== undefined) cannotRemove('location');
    } else next.location = location;
  }
  if (given('sources')) next.sources = sourceList(raw.sources, at('sources'));

  const changed: Partial<StatementFields> = {};
  for (const key of Object.keys(next) as (keyof StatementFields)[]) {
    if (!sameJson(next[key], current[key])) Object.assign(changed, { [key]: next[key] });
  }
  return changed;
}
