/**
 * Core benchmark: the embedded write path, projection (rebuild) speed and timeline reads, on a generated,
 * seeded data set. Not part of `npm test`. Run: `npm run bench` (BENCH_STATEMENTS=N to change the size).
 * Writes bench/results/core.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import {
  CURRENT_SCHEMA_VERSION,
  STATEMENT_KINDS,
  decide,
  initialStatementState,
  statementStream,
  type StatementInput,
} from '#domain';
import { SqliteEventStore } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import { referenceData } from '#reference';

const STATEMENTS = Number(process.env.BENCH_STATEMENTS ?? 50_000);
const QUERIES = 500;

/** Deterministic PRNG (mulberry32), so every run generates the same data set. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES = [
  'US',
  'CN',
  'RU',
  'TR',
  'DE',
  'FR',
  'GB',
  'IN',
  'JP',
  'IR',
  'IL',
  'UA',
  'BR',
  'ZA',
  'EG',
  'SA',
  'KR',
  'KP',
  'PK',
  'AF',
  'SY',
  'IQ',
  'MX',
  'CA',
  'AU',
  'ID',
  'NG',
  'ET',
  'VE',
  'CU',
];
const TOPICS = Array.from({ length: 100 }, (_, i) => `topic-${i}`);

/** Zipf-like pick: low indexes are much more likely. */
const zipf = (random: () => number, n: number): number => Math.min(n - 1, Math.floor(n * random() ** 3));

function statementInput(random: () => number, i: number): StatementInput {
  const speaker = COUNTRIES[zipf(random, COUNTRIES.length)] ?? 'US';
  const target = COUNTRIES[zipf(random, COUNTRIES.length)] ?? 'CN';
  const year = 1995 + Math.floor(random() * 30);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const words = 20 + Math.floor(random() * 40);
  return {
    occurredOn: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    speaker: { name: `Speaker ${zipf(random, 500)}`, role: 'Foreign Minister', country: speaker },
    targets: target === speaker ? [] : [target],
    topics: [TOPICS[zipf(random, TOPICS.length)] ?? 'topic-0'],
    kind: STATEMENT_KINDS[Math.floor(random() * 10)] ?? 'STATEMENT',
    text: Array.from({ length: words }, (_, w) => `word${(i + w) % 97}`).join(' '),
    attribution: 'PARAPHRASE',
    sources: [{ url: `https://example.org/news/${i}` }],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'communique-bench-'));
  const random = prng(42);
  const results: Record<string, number | string> = { statements: STATEMENTS, node: process.version };
  try {
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    // 1. the write path of one recordStatement: decide, then one durable append (one transaction, fsync)
    let started = performance.now();
    for (let i = 0; i < STATEMENTS; i++) {
      const id = randomUUID();
      const events = decide(
        { type: 'RecordStatement', id, input: statementInput(random, i) },
        initialStatementState,
        referenceData,
      );
      const recordedAt = new Date().toISOString();
      await store.appendToStream(
        statementStream(id),
        events.map((event) => ({
          id: randomUUID(),
          type: event.type,
          data: event.data,
          metadata: {
            recordedAt,
            recordedBy: 'bench',
            correlationId: 'bench',
            causationId: 'bench',
            schemaVersion: CURRENT_SCHEMA_VERSION,
          },
        })),
        { expectedRevision: 'no_stream' },
      );
    }
    const appendSeconds = (performance.now() - started) / 1000;
    results['record (decide + durable append), statements/s'] = Math.round(STATEMENTS / appendSeconds);

    // 2. projection from position 0 (what a rebuild does)
    const readModel = ReadModel.open(join(dir, 'read-model.db'));
    const runner = new ProjectionRunner(store, readModel);
    started = performance.now();
    await runner.catchUp();
    const projectSeconds = (performance.now() - started) / 1000;
    results['projection from 0, events/s'] = Math.round(STATEMENTS / projectSeconds);

    // 3. timeline reads straight from the read model (no HTTP)
    const busiest = COUNTRIES[0] ?? 'US';
    for (const [label, run] of [
      [
        'countryTimeline(first: 50), first page',
        () => readModel.countryTimeline(busiest, { first: 50, order: 'ASC' }),
      ],
      [
        'countryTimeline(first: 50, DESC, kinds filter)',
        () =>
          readModel.countryTimeline(busiest, {
            first: 50,
            order: 'DESC',
            filter: { kinds: ['APPEAL', 'DEMAND'] },
          }),
      ],
      ['topicTimeline(first: 50)', () => readModel.topicTimeline('topic-0', { first: 50, order: 'ASC' })],
    ] as const) {
      const times: number[] = [];
      for (let q = 0; q < QUERIES; q++) {
        const t = performance.now();
        run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      results[`${label} p50 ms`] = Number(percentile(times, 50).toFixed(2));
      results[`${label} p95 ms`] = Number(percentile(times, 95).toFixed(2));
    }
    results[`totalCount of ${busiest}`] = readModel.countryTimeline(busiest, {
      first: 0,
      order: 'ASC',
    }).totalCount;
    readModel.close();
    await store.close();
    const bytes = (file: string) =>
      ['', '-wal'].reduce((sum, suffix) => {
        try {
          return sum + statSync(file + suffix).size;
        } catch {
          return sum;
        }
      }, 0);
    results['event store bytes/statement'] = Math.round(bytes(join(dir, 'events.db')) / STATEMENTS);
    results['read model bytes/statement'] = Math.round(bytes(join(dir, 'read-model.db')) / STATEMENTS);
  } finally {
    if (process.env.BENCH_KEEP) console.log(`data kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  console.table(results);
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'core.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + '\n');
  console.log(`written to ${out}`);
}

await main();
