import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statementStream } from '#domain';
import {
  EventIdConflictError,
  EventStore,
  SqliteEventStore,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
} from '#event-store';
import { collect } from '#event-store/testing';
import { referenceData } from '#reference';
import { importStatements, type ImportOptions } from './importer.js';
import { readNdjson } from './ndjson.js';
import { openTextFile, textSource } from './text-source.js';

const NDJSON_FIXTURE = join(process.cwd(), 'test/fixtures/import/statements.ndjson');

/** Delegates to a real store; `beforeBatch` may act before each appendToStreams call (the call number given). */
class InterceptingStore extends EventStore {
  calls = 0;
  streamsRead = 0;
  beforeBatch: (call: number, writes: StreamWrite[]) => Promise<StreamWrite[]> = async (_, writes) => writes;
  constructor(readonly inner: SqliteEventStore) {
    super();
  }
  override async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    this.calls += 1;
    return this.inner.appendToStreams(await this.beforeBatch(this.calls, [...writes]));
  }
  appendToStream(stream: string, events: EventToAppend[], o: { expectedRevision: ExpectedRevision }) {
    return this.inner.appendToStream(stream, events, o);
  }
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.streamsRead += 1;
    return this.inner.readStream(stream, options);
  }
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAll(options);
  }
  subscribeToAll(options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }
  headPosition() {
    return this.inner.headPosition();
  }
  close() {
    return this.inner.close();
  }
}

/** The same, offering the SQLite store's one-query lookup of which streams hold events. */
class LookingUpStore extends InterceptingStore {
  lookups = 0;
  override streamRevisions(streams: readonly string[]): Promise<Map<string, number>> {
    this.lookups += 1;
    return this.inner.streamRevisions(streams);
  }
}

const line = (id: string | undefined, text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...(id === undefined ? {} : { id }),
    occurredOn: '2020-01-02',
    speaker: { name: 'Speaker', country: 'TR' },
    kind: 'STATEMENT',
    text,
    attribution: 'SUMMARY',
    sources: [{ url: 'https://example.org/s' }],
    ...extra,
  });

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe.each([
  ['looking up the batch streams at once', true],
  ['reading every stream', false],
])('importStatements (SQLite event store, %s)', (_name, lookUp) => {
  let dir: string;
  let sqlite: SqliteEventStore;
  let store: InterceptingStore;
  const options: ImportOptions = {
    reference: referenceData,
    recordedBy: 'import:test.ndjson',
    clock: () => new Date('2026-02-03T04:05:06.000Z'),
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-import-'));
    sqlite = SqliteEventStore.open(join(dir, 'events.db'));
    store = lookUp ? new LookingUpStore(sqlite) : new InterceptingStore(sqlite);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const importText = (text: string, extra: Partial<ImportOptions> = {}) =>
    importStatements(readNdjson(textSource(text).chunks), store, { ...options, ...extra });

  it('imports the fixture: domain-valid lines become StatementRecorded, the rest are rejections with line and field', async () => {
    const report = await importStatements(readNdjson(openTextFile(NDJSON_FIXTURE).chunks), store, options);

    expect(report).toMatchObject({ records: 11, imported: 5, rejected: 6, events: 5, skipped: {} });
    expect(report.rejections.map((r) => [r.line, r.field])).toEqual([
      [5, 'mood'],
      [6, 'line'],
      [7, 'occurredOn'],
      [8, 'targets.1'],
      [9, 'line'],
      [10, 'speaker.age'],
    ]);
    const events = await collect(sqlite.readAll());
    expect(events).toHaveLength(5);
    expect(report.lastPosition).toBe(events[4].position);
    for (const event of events) {
      expect(event.type).toBe('StatementRecorded');
      expect(event.metadata).toMatchObject({
        recordedBy: 'import:test.ndjson',
        recordedAt: '2026-02-03T04:05:06.000Z',
      });
    }
    const [wang] = await collect(sqlite.readStream(statementStream('7b6c1a4e-2d3f-4a5b-8c9d-0e1f2a3b4c5d')));
    expect(wang.data).toMatchObject({ speakerCountry: 'CN', targets: ['TR'], kind: 'APPEAL', goldstein: 3 });
    expect(events.find((e) => e.data.text === 'Turkey criticised the camps.')?.data).toMatchObject({
      speakerCountry: 'TR',
      targets: ['CN'],
    });
  });

  it('gives the events of one run one correlation id, and those of one record (statement and links) one causation id', async () => {
    const text = [
      line(ID(1), 'The first statement.'),
      line(ID(2), 'A reply to it.', { respondsTo: [ID(1)] }),
    ].join('\n');
    await importText(text);

    const events = await collect(sqlite.readAll());
    expect(events.map((e) => [e.stream, e.type])).toEqual([
      [statementStream(ID(1)), 'StatementRecorded'],
      [statementStream(ID(2)), 'StatementRecorded'],
      [statementStream(ID(2)), 'StatementResponseLinked'],
    ]);
    const [first, reply, link] = events.map((e) => e.metadata);
    expect(new Set([first.correlationId, reply.correlationId, link.correlationId]).size).toBe(1);
    expect(link.causationId).toBe(reply.causationId);
    expect(first.causationId).not.toBe(reply.causationId);
    expect(new Set(events.map((e) => e.id)).has(reply.causationId)).toBe(false);
    expect(events.every((e) => e.metadata.recordedBy === 'import:test.ndjson')).toBe(true);
    expect(events.every((e) => e.metadata.recordedAt === '2026-02-03T04:05:06.000Z')).toBe(true);

    const again = await importText(text);
    expect(again.imported).toBe(0);
    const next = await importText(line(ID(3), 'A later run.'));
    expect(next.imported).toBe(1);
    const [later] = await collect(sqlite.readStream(statementStream(ID(3))));
    expect(later.metadata.correlationId).not.toBe(first.correlationId);
  });

  it('records response links in the same append as their statement; a bad link rejects the statement', async () => {
    const text = [
      line(ID(1), 'The first statement.'),
      line(ID(2), 'A reply to it.', { respondsTo: [ID(1), ID(3)] }),
      line(ID(3), 'A statement replied to before it is in the file.'),
      line(ID(4), 'A reply to itself.', { respondsTo: [ID(4)] }),
      line(ID(5), 'A reply to nothing that is an id.', { respondsTo: ['not-a-uuid'] }),
    ].join('\n');
    const report = await importText(text);

    expect(report).toMatchObject({ imported: 3, events: 5, rejected: 2 });
    expect(report.rejections.map((r) => [r.line, r.field])).toEqual([
      [4, 'respondsTo'],
      [5, 'respondsTo'],
    ]);
    const reply = await collect(sqlite.readStream(statementStream(ID(2))));
    expect(reply.map((e) => [e.type, e.data.respondsTo])).toEqual([
      ['StatementRecorded', undefined],
      ['StatementResponseLinked', ID(1)],
      ['StatementResponseLinked', ID(3)],
    ]);
    expect(await collect(sqlite.readStream(statementStream(ID(4))))).toEqual([]);
    expect(store.calls).toBe(1); // one transaction: the statement and its links together

    const again = await importText(text);
    expect(again).toMatchObject({ imported: 0, events: 0, skipped: { 'already imported': 3 } });
  });

  it('tells onCommit each committed batch: its number, the lines it covers, what it appended and where', async () => {
    const commits: unknown[] = [];
    const text = [
      line(ID(1), 'One.'),
      '{"mood": "bad"}',
      line(ID(2), 'Two.'),
      line(ID(3), 'Three.'),
      '',
      line(ID(4), 'Four.'),
    ].join('\n');
    await importText(text, { batchSize: 2, onCommit: (commit) => commits.push(commit) });
    expect(commits).toEqual([
      {
        batch: 1,
        firstLine: 1,
        lastLine: 3,
        statements: 2,
        alreadyImported: 0,
        rejected: 1,
        lastPosition: 2n,
        imported: 2,
        records: 3,
      },
      {
        batch: 2,
        firstLine: 4,
        lastLine: 6,
        statements: 2,
        alreadyImported: 0,
        rejected: 0,
        lastPosition: 4n,
        imported: 4,
        records: 5,
      },
    ]);

    commits.length = 0;
    await importText(text, { batchSize: 2, onCommit: (commit) => commits.push(commit) });
    expect(commits).toMatchObject([
      { batch: 1, statements: 0, alreadyImported: 2, lastPosition: undefined },
      { batch: 2, statements: 0, alreadyImported: 2, lastPosition: undefined },
    ]);
  });

  it('importing the same file again adds nothing and reports every statement as already imported', async () => {
    const first = await importStatements(readNdjson(openTextFile(NDJSON_FIXTURE).chunks), store, options);
    const head = await sqlite.headPosition();

    const again = await importStatements(readNdjson(openTextFile(NDJSON_FIXTURE).chunks), store, options);

    expect(again).toMatchObject({
      imported: 0,
      events: 0,
      rejected: first.rejected,
      skipped: { 'already imported': 5 },
    });
    expect(await sqlite.headPosition()).toBe(head);
  });

  it('reads the stored state only of statements whose stream exists, when the store can tell at once', async () => {
    await importText(`${line(ID(1), 'one')}\n${line(ID(2), 'two')}\n`);
    store.streamsRead = 0;
    const report = await importText(
      [line(ID(1), 'one'), line(ID(2), 'changed'), line(ID(3), 'three'), line(ID(4), 'four')].join('\n'),
      { batchSize: 2 },
    );
    expect(report).toMatchObject({ imported: 2, skipped: { 'already imported': 1 }, rejected: 1 });
    expect(report.rejections.map((r) => [r.line, r.field])).toEqual([[2, 'id']]);
    expect(store.streamsRead).toBe(lookUp ? 2 : 4);
    if (store instanceof LookingUpStore) expect(store.lookups).toBe(3);
  });

  it('the same id with other content is a rejection naming the conflict, and the stored statement stays', async () => {
    await importText(line(ID(1), 'original'));
    const report = await importText(`${line(ID(2), 'new')}\n${line(ID(1), 'changed')}\n`);

    expect(report.imported).toBe(1);
    expect(report.rejections).toEqual([
      {
        line: 2,
        field: 'id',
        reason: expect.stringMatching(/already recorded with other content \(in the store\)/),
      },
    ]);
    const stored = await collect(sqlite.readStream(statementStream(ID(1))));
    expect(stored.map((e) => e.data.text)).toEqual(['original']);
  });

  it('a repeated line in the file counts as already imported; a repeated id with other content is rejected', async () => {
    for (const batchSize of [1, 1000]) {
      const text = [
        line(ID(10 + batchSize), 'a'),
        line(ID(10 + batchSize), 'a'),
        line(ID(10 + batchSize), 'b'),
      ].join('\n');
      const report = await importText(text, { batchSize });
      expect(report).toMatchObject({ imported: 1, rejected: 1, skipped: { 'already imported': 1 } });
      expect(report.rejections[0]).toMatchObject({ line: 3, field: 'id' });
      expect(await collect(sqlite.readStream(statementStream(ID(10 + batchSize))))).toHaveLength(1);
    }
  });

  it('appends in batches of batchSize statements, one appendToStreams call each', async () => {
    const text = Array.from({ length: 7 }, (_, i) => line(ID(100 + i), `s${i}`)).join('\n');
    const progress: number[] = [];
    const report = await importText(text, { batchSize: 3, onBatch: (p) => progress.push(p.imported) });

    expect(report.imported).toBe(7);
    expect(store.calls).toBe(3);
    expect(progress).toEqual([3, 6, 7]);
  });

  it('a batch is all or nothing: a failing write leaves no event of its batch, earlier batches stay', async () => {
    const text = Array.from({ length: 5 }, (_, i) => line(ID(200 + i), `s${i}`)).join('\n');
    store.beforeBatch = async (call, writes) => {
      if (call < 2) return writes;
      // A write that reuses an event id already stored: the store must reject the whole batch.
      const [stored] = await collect(sqlite.readAll({ maxCount: 1 }));
      return [
        ...writes,
        {
          stream: 'statement-elsewhere',
          expectedRevision: 'any',
          events: [{ ...writes[0].events[0], id: stored.id }],
        },
      ];
    };

    await expect(importText(text, { batchSize: 2 })).rejects.toBeInstanceOf(EventIdConflictError);

    const events = await collect(sqlite.readAll());
    expect(events.map((e) => e.stream)).toEqual([statementStream(ID(200)), statementStream(ID(201))]);
    expect(await collect(sqlite.readStream(statementStream(ID(202))))).toEqual([]);
  });

  it('a batch that loses a race with another writer is decided again on fresh state', async () => {
    const text = [line(ID(300), 'mine'), line(ID(301), 'raced')].join('\n');
    store.beforeBatch = async (call, writes) => {
      if (call === 1) {
        // Another importer stores the same statement between our decision and our append.
        await importStatements(readNdjson(textSource(line(ID(301), 'raced')).chunks), sqlite, options);
      }
      return writes;
    };

    const report = await importText(text);

    expect(report).toMatchObject({ imported: 1, skipped: { 'already imported': 1 } });
    expect(store.calls).toBe(2);
    expect(await collect(sqlite.readAll())).toHaveLength(2);
  });

  it('reports progress every progressEvery records, also when nothing is stored', async () => {
    const text = Array.from({ length: 7 }, (_, i) => `{"id": ${i}}`).join('\n');
    const seen: number[] = [];
    const report = await importText(`${line(ID(500), 'first')}\n${text}`, {
      progressEvery: 3,
      onRecords: (n) => seen.push(n),
    });
    expect(report).toMatchObject({ records: 8, imported: 1, rejected: 7 });
    expect(seen).toEqual([3, 6]);
  });

  it('rejects a batch size below 1', async () => {
    await expect(importText(line(ID(400), 'x'), { batchSize: 0 })).rejects.toThrow(
      /batchSize must be an integer >= 1/,
    );
  });
});
