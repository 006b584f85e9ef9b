/**
 * A deterministic generator of realistic statements for the benchmarks: the same seed and size always give the
 * same statements, ids, times and events, so runs compare like with like and prepared data sets can be cached.
 *
 * Spread: speakers and targets follow a Zipf-like law over ~200 real ISO 3166-1 alpha-2 countries (the most
 * active first), topics over 500 slugs; 1–3 targets; dates over 30 years at day, month or year precision;
 * 100–400 characters of text; CAMEO codes of the verbal roots (01–05, 10–14); 1–2 sources. A few statements get
 * later events in their stream: a topic tag, a correction, a retraction.
 */
import {
  CURRENT_SCHEMA_VERSION,
  decide,
  evolve,
  initialStatementState,
  statementStream,
  type StatementCommand,
  type StatementInput,
  type StatementState,
} from '#domain';
import type { EventToAppend } from '#event-store';
import { cameoEntries, isAlpha2Country, referenceData } from '#reference';

/** One statement's stream and the events to append to it, revision 0 first. */
export interface StreamBatch {
  stream: string;
  statementId: string;
  events: EventToAppend[];
}

export interface GeneratorOptions {
  seed: number;
  /** how many statements (streams); events are ~1.1 per statement */
  statements: number;
  /** ISO instant of the first event; later ones follow a second apart */
  startAt?: string;
}

/** mulberry32: a small, fast, seeded PRNG with a 2^32 period, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s (Zipf), by inverse CDF. */
export function zipf(n: number, s = 1.05): (random: () => number) => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** s;
    cdf[k] = total;
  }
  return (random) => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Countries that speak most in diplomatic news, in a plausible order of activity; the rest follow. */
const MOST_ACTIVE = [
  'US', 'CN', 'RU', 'GB', 'FR', 'DE', 'IR', 'IL', 'UA', 'TR', 'IN', 'JP', 'KP', 'KR', 'SA', 'PK', 'SY', 'IQ',
  'EG', 'AF', 'BR', 'ZA', 'CA', 'AU', 'IT', 'ES', 'PL', 'MX', 'VE', 'CU', 'NG', 'ET', 'QA', 'AE', 'JO', 'LB',
  'PS', 'YE', 'LY', 'SD', 'ID', 'PH', 'VN', 'TH', 'MM', 'BD', 'LK', 'NP', 'KZ', 'BY', 'GE', 'AM', 'AZ', 'RS',
  'HU', 'GR', 'CY', 'NL', 'BE', 'SE', 'NO', 'FI', 'DK', 'CH', 'AT',
]; // prettier-ignore

/** ~200 real alpha-2 codes (checked against #reference), the most active first, then in a seeded order. */
export function countryPool(size = 200): string[] {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const all: string[] = [];
  for (const a of letters) for (const b of letters) if (isAlpha2Country(a + b)) all.push(a + b);
  const head = MOST_ACTIVE.filter((code) => isAlpha2Country(code));
  const rest = all.filter((code) => !head.includes(code));
  const random = prng(7);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [...head, ...rest].slice(0, size);
}

const THEMES = [
  'nuclear', 'trade', 'climate', 'energy', 'migration', 'sanctions', 'security', 'terrorism', 'maritime',
  'human-rights', 'elections', 'health', 'cyber', 'arms-control', 'water', 'food', 'refugees', 'border',
  'finance', 'space', 'arctic', 'debt', 'aid', 'peacekeeping', 'investment',
]; // prettier-ignore
const ASPECTS = [
  'policy', 'talks', 'dispute', 'treaty', 'crisis', 'cooperation', 'summit', 'agreement', 'negotiations',
  'reform', 'monitoring', 'assistance', 'standards', 'tariffs', 'inspections', 'funding', 'strategy',
  'protests', 'investigation', 'violations',
]; // prettier-ignore

/** 500 topic slugs: every theme with every aspect, themes interleaved so the popular ones differ in theme. */
export const TOPIC_POOL: readonly string[] = ASPECTS.flatMap((aspect) =>
  THEMES.map((theme) => `${theme}-${aspect}`),
);

/** CAMEO codes of the verbal roots: 01–05 (verbal cooperation) and 10–14 (verbal conflict). */
export const VERBAL_CAMEO_CODES: readonly string[] = cameoEntries
  .filter((entry) => ['01', '02', '03', '04', '05', '10', '11', '12', '13', '14'].includes(entry.root))
  .map((entry) => entry.code);

const ROLES = ['Foreign Minister', 'President', 'Prime Minister', 'Spokesperson', 'Ambassador to the UN'];
const OUTLETS = ['Reuters', 'AP', 'AFP', 'Xinhua', 'TASS', 'BBC', 'Al Jazeera', 'Kyodo', 'dpa', 'ANSA'];
const ATTRIBUTIONS = ['DIRECT_QUOTE', 'PARAPHRASE', 'READOUT', 'SUMMARY'] as const;
const WORDS = (
  'the government said it would continue to support a negotiated settlement and called on all parties to ' +
  'respect international law while warning that further escalation was unacceptable ministers expressed ' +
  'concern over recent developments and urged restraint the delegation welcomed progress in bilateral ' +
  'relations and announced new measures on trade security and humanitarian access officials rejected the ' +
  'accusations as baseless and demanded an independent investigation into the incident'
).split(' ');

/** A UUID v4 shape from the PRNG (deterministic, unlike randomUUID). */
function uuid(random: () => number): string {
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = (8 + Math.floor(random() * 4)).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/**
 * The statements and their streams, in order. A generator, so a million statements never sit in memory at
 * once; every value depends only on `seed` and the statement's index.
 */
export function* generateStreams(options: GeneratorOptions): Generator<StreamBatch> {
  const random = prng(options.seed);
  const countries = countryPool();
  const countryRank = zipf(countries.length);
  const topicRank = zipf(TOPIC_POOL.length);
  const start = Date.parse(options.startAt ?? '2026-01-01T00:00:00.000Z');
  let tick = 0;
  const metadata = (): EventToAppend['metadata'] => ({
    recordedAt: new Date(start + 1000 * tick++).toISOString(),
    recordedBy: 'bench',
    correlationId: 'bench-import',
    causationId: 'bench-import',
    schemaVersion: CURRENT_SCHEMA_VERSION,
  });

  for (let i = 0; i < options.statements; i++) {
    const id = uuid(random);
    const input = statementInput(random, countries, countryRank, topicRank);
    const commands: StatementCommand[] = [{ type: 'RecordStatement', id, input }];
    const later = random();
    if (later < 0.05) commands.push({ type: 'TagStatement', id, topics: [TOPIC_POOL[topicRank(random)]] });
    else if (later < 0.08) {
      const changes = { text: `${input.text} (Corrected: the statement was made a day later.)` };
      commands.push({ type: 'CorrectStatement', id, changes, reason: 'wrong date in the first report' });
    } else if (later < 0.1) commands.push({ type: 'RetractStatement', id, reason: 'misattributed' });

    let state: StatementState = initialStatementState;
    const events: EventToAppend[] = [];
    for (const command of commands) {
      for (const event of decide(command, state, referenceData)) {
        state = evolve(state, event);
        events.push({ id: uuid(random), type: event.type, data: event.data, metadata: metadata() });
      }
    }
    yield { stream: statementStream(id), statementId: id, events };
  }
}

function date(random: () => number): string {
  const year = 1996 + Math.floor(random() * 30);
  const precision = random();
  if (precision < 0.08) return String(year);
  const month = 1 + Math.floor(random() * 12);
  if (precision < 0.2) return `${year}-${pad(month)}`;
  return `${year}-${pad(month)}-${pad(1 + Math.floor(random() * 28))}`;
}

function text(random: () => number): string {
  const length = 100 + Math.floor(random() * 301);
  let out = '';
  while (out.length < length) out += (out ? ' ' : '') + pick(random, WORDS);
  out = out.slice(0, length).trimEnd();
  return out.charAt(0).toUpperCase() + out.slice(1, -1) + '.';
}

function statementInput(
  random: () => number,
  countries: readonly string[],
  countryRank: (random: () => number) => number,
  topicRank: (random: () => number) => number,
): StatementInput {
  const speaker = countries[countryRank(random)];
  const targets = new Set<string>();
  const wanted = 1 + Math.floor(random() * 3);
  for (let tries = 0; targets.size < wanted && tries < 10; tries++) {
    const target = countries[countryRank(random)];
    if (target !== speaker) targets.add(target);
  }
  const topics = new Set<string>([TOPIC_POOL[topicRank(random)]]);
  if (random() < 0.4) topics.add(TOPIC_POOL[topicRank(random)]);
  const sources = [{ url: `https://news.example.org/${speaker.toLowerCase()}/${uuid(random)}` }];
  if (random() < 0.3) sources.push({ url: `https://wire.example.net/${uuid(random)}` });
  return {
    occurredOn: date(random),
    speaker: {
      name: `${speaker} official ${Math.floor(random() * 40)}`,
      role: pick(random, ROLES),
      country: speaker,
    },
    targets: [...targets],
    topics: [...topics],
    cameoCode: pick(random, VERBAL_CAMEO_CODES),
    text: text(random),
    attribution: pick(random, ATTRIBUTIONS),
    language: 'en',
    sources: sources.map((source) => ({ ...source, outlet: pick(random, OUTLETS) })),
  };
}
