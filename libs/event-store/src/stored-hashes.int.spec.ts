import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventToAppend, ExpectedRevision, StreamWrite } from './event-store.js';
import { LogVerifier, verifyLog, type StoredEvent } from './audit.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/*
 * The bytes the store writes are part of the audit contract: the same appends must store the same canonical
 * texts, hashes and global chain hashes whatever the append path does inside. The fixture was recorded from
 * these appends before the batch append was optimised (one serialisation per event, batch-wide lookups).
 */
const fixture = JSON.parse(
  readFileSync(join(process.cwd(), 'test/fixtures/event-store/stored-hashes.json'), 'utf8'),
) as {
  results: unknown[];
  stored: (Omit<StoredEvent, 'position'> & { position: string })[];
};

const pad = (i: number) => String(i).padStart(12, '0');
const metadata = (i: number, extra: Record<string, unknown> = {}) => ({
  recordedAt: `2026-03-0${1 + (i % 5)}T10:00:0${i % 10}.${String(i).padStart(3, '0')}+02:00`,
  recordedBy: 'fixture',
  correlationId: `c-${i}`,
  causationId: `k-${i}`,
  schemaVersion: 2,
  ...extra,
});
const event = (i: number, data: Record<string, unknown>, extra?: Record<string, unknown>): EventToAppend => ({
  id: `00000000-0000-4000-8000-${pad(i)}`,
  type: i % 3 ? 'StatementTagged' : 'StatementRecorded',
  data,
  metadata: metadata(i, extra) as EventToAppend['metadata'],
});

type Step =
  { stream: string; expectedRevision: ExpectedRevision; events: EventToAppend[] } | { writes: StreamWrite[] };

const steps: Step[] = [
  {
    stream: 'statement-a',
    expectedRevision: 'no_stream',
    events: [
      event(1, { z: 1, a: 'x', nested: { b: [1, 2.5, -0, 1e21, 1e-7], a: null } }),
      event(2, { text: 'é ü 中文 \u0001 "q" \\ / \ud800', tags: ['b', 'a'] }),
    ],
  },
  {
    stream: 'statement-b',
    expectedRevision: 'any',
    events: [
      event(
        3,
        { '10': 1, '2': 2, b: true, a: false, u: undefined, arr: [undefined, 3] },
        { prevHash: 'ignored', hash: 'ignored', extra: { y: 1, x: [null] } },
      ),
    ],
  },
  {
    writes: [
      {
        stream: 'statement-c',
        expectedRevision: 'no_stream',
        events: [event(4, { n: 4 }), event(5, { n: 5 })],
      },
      { stream: 'statement-a', expectedRevision: 1, events: [event(6, { n: 6 })] },
      {
        stream: 'statement-c',
        expectedRevision: 1,
        events: [event(7, { n: 7, deep: { c: { b: { a: [{}] } } } })],
      },
      { stream: 'statement-d', expectedRevision: 'no_stream', events: [] },
    ],
  },
  {
    writes: [
      {
        stream: 'statement-b',
        expectedRevision: 0,
        events: [event(8, { n: 8 }, { recordedAt: '2020-01-01T00:00:00Z' })],
      },
    ],
  },
];

const asJson = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
const withoutRecordedAt = ({ recordedAt: _recordedAt, ...row }: StoredEvent) => row;

/*
 * `stored-hashes-v2.json` was recorded from the same appends once hash version 2 (DESIGN §7) was written:
 * the same ids, streams, revisions, positions, types and data bytes as the version-1 fixture, metadata with
 * `"hashVersion":2`, and hashes over documents that include the event id.
 */
const fixtureV2 = JSON.parse(
  readFileSync(join(process.cwd(), 'test/fixtures/event-store/stored-hashes-v2.json'), 'utf8'),
) as typeof fixture;

describe('SqliteEventStore stored bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'communique-stored-hashes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a store written by the version-1 code still verifies, every event under the old rule', async () => {
    const store = SqliteEventStore.open(join(dir, 'old.db'));
    try {
      store.importStored(fixture.stored.map((row) => ({ ...row, position: BigInt(row.position) })));
      const report = await verifyLog(store.readStored());
      expect(report.broken).toBeUndefined();
      expect(report.eventCount).toBe(fixture.stored.length);
      expect(report.hashVersions).toEqual({ 1: fixture.stored.length, 2: 0 });
    } finally {
      await store.close();
    }
  });

  it('stores exactly the recorded canonical texts, hashes and chain hashes, and the log verifies', async () => {
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      const results: unknown[] = [];
      for (const step of steps) {
        results.push(
          'writes' in step
            ? await store.appendToStreams(step.writes)
            : await store.appendToStream(step.stream, step.events, {
                expectedRevision: step.expectedRevision,
              }),
        );
      }
      expect(asJson(results)).toEqual(fixture.results);

      const stored: StoredEvent[] = [];
      for await (const row of store.readStored()) stored.push(row);
      expect(asJson(stored.map(withoutRecordedAt))).toEqual(fixtureV2.stored);
      // the canonical JSON did not change: the data bytes (and every field outside the hash) are version 1's
      const kept = ({ id, stream, revision, position, type, data }: Record<string, unknown>) =>
        asJson({ id, stream, revision, position, type, data });
      expect(stored.map((row) => kept({ ...row }))).toEqual(fixture.stored.map((row) => kept({ ...row })));
      for (const [i, row] of stored.entries()) {
        // the version-1 metadata with the version added and the stream's new previous hash
        const prevHash = JSON.stringify((JSON.parse(row.metadata) as { prevHash: unknown }).prevHash);
        expect(row.metadata).toBe(
          fixture.stored[i].metadata.replace(
            /"prevHash":(null|"[0-9a-f]{64}")/,
            `"hashVersion":2,"prevHash":${prevHash}`,
          ),
        );
      }

      const verifier = new LogVerifier();
      for (const row of stored) expect(verifier.check(row)).toBeUndefined();
      expect(verifier.report()).toMatchObject({
        broken: undefined,
        hashVersions: { 1: 0, 2: stored.length },
      });
    } finally {
      await store.close();
    }
  });
});
