import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CountryRole } from '#domain';
import {
  InvalidArgumentError,
  InvalidCursorError,
  ReadModel,
  type StatementConnection,
  type TimelineRequest,
} from '#read-model';
import type { RecordedEvent } from '#event-store';
import { applyStatementEvents } from './statement-projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { rebuildInto } from './rebuild.js';
import { InMemoryEventStore } from '#event-store/testing';
import { StatementScenario } from './testing/statement-events.js';

let dir: string;
let store: InMemoryEventStore;
let readModel: ReadModel;
let runner: ProjectionRunner;
let given: StatementScenario;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-timelines-'));
  store = new InMemoryEventStore();
  readModel = ReadModel.open(join(dir, 'read-model.db'));
  runner = new ProjectionRunner(store, readModel, { batchSize: 4 });
  given = new StatementScenario(store);
});

afterEach(() => {
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

const page = (req: Partial<TimelineRequest> = {}): TimelineRequest => ({ first: 100, order: 'ASC', ...req });
const ids = (connection: StatementConnection): string[] => connection.edges.map((edge) => edge.node.id);
const texts = (connection: StatementConnection): string[] => connection.edges.map((edge) => edge.node.text);

async function allEvents(): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

/** A small history touching every event type. */
async function history(): Promise<void> {
  const a = await given.record({ topics: ['xinjiang', 'sovereignty'], mentions: ['US'] });
  const b = await given.record({
    speakerCountry: 'TR',
    speaker: { name: 'Mevlut Cavusoglu', country: 'TR' },
  });
  const c = await given.record({ occurredOn: '2019', targets: ['TR', 'US'], kind: 'DISAPPROVE' });
  await given.correct(a.id, { occurredOn: '2019-06', text: 'corrected' });
  await given.addSource(b.id, { url: 'https://example.org/extra', outlet: 'Example' });
  await given.tag(b.id, ['counter-terrorism', 'xinjiang']);
  await given.untag(a.id, ['sovereignty']);
  await given.link(b.id, a.id);
  await given.retract(c.id);
  await given.correct(b.id, { targets: ['CN', 'US'] });
  await given.restore(c.id);
  await given.retract(a.id);
  await given.appendRaw('importer-run-1', 'ImportStarted', { file: 'x.ndjson' });
}

describe('statement timelines', () => {
  it('applying the same events twice leaves identical rows', async () => {
    await history();
    await runner.catchUp();
    const once = readModel.dump();
    expect(once.statements?.length).toBeGreaterThan(10);

    const events = await allEvents();
    applyStatementEvents(readModel, events);
    applyStatementEvents(readModel, events.slice(3, 9));
    expect(readModel.dump()).toEqual(once);
  });

  it('a read model rebuilt from position 0 equals the live one row for row', async () => {
    await given.record();
    await runner.catchUp();
    await history();
    await runner.catchUp();

    const file = join(dir, 'rebuilt.db');
    expect(await rebuildInto(store, file, { batchSize: 3 })).toBe(await store.headPosition());
    const rebuilt = ReadModel.open(file);
    try {
      expect(rebuilt.dump()).toEqual(readModel.dump());
    } finally {
      rebuilt.close();
    }
  });

  it('a correction of occurredOn moves the statement within its country and topic timelines', async () => {
    const a = await given.record({ occurredOn: '2019-05-16' });
    const b = await given.record({ occurredOn: '2019-06-01' });
    const c = await given.record({ occurredOn: '2019-07' });
    await runner.catchUp();
    expect(ids(readModel.countryTimeline('CN', page()))).toEqual([a.id, b.id, c.id]);

    await given.correct(a.id, { occurredOn: '2019-12' });
    await runner.catchUp();
    for (const timeline of [
      readModel.countryTimeline('CN', page()),
      readModel.topicTimeline('xinjiang', page()),
    ]) {
      expect(ids(timeline)).toEqual([b.id, c.id, a.id]);
      expect(timeline.totalCount).toBe(3);
      expect(timeline.edges[2]?.node.occurredOn).toBe('2019-12');
    }
  });

  it('a correction of targets moves the statement between country timelines', async () => {
    const a = await given.record({ targets: ['TR'] });
    await runner.catchUp();
    expect(ids(readModel.countryTimeline('TR', page()))).toEqual([a.id]);

    await given.correct(a.id, { targets: ['US'] });
    await runner.catchUp();
    expect(readModel.countryTimeline('TR', page())).toMatchObject({ edges: [], totalCount: 0 });
    const us = readModel.countryTimeline('US', page());
    expect(ids(us)).toEqual([a.id]);
    expect(us.edges[0]?.roles).toEqual(['TARGET']);
    expect(ids(readModel.countryTimeline('CN', page()))).toEqual([a.id]);
  });

  it('a retracted statement leaves the timelines but keeps its history; restoring puts it back', async () => {
    const a = await given.record({ topics: ['xinjiang'] });
    const b = await given.record({ topics: ['xinjiang', 'sovereignty'] });
    await given.retract(b.id);
    await runner.catchUp();

    expect(ids(readModel.countryTimeline('CN', page()))).toEqual([a.id]);
    expect(ids(readModel.countryTimeline('TR', page()))).toEqual([a.id]);
    expect(ids(readModel.topicTimeline('sovereignty', page()))).toEqual([]);
    expect(readModel.statement(b.id)).toMatchObject({ id: b.id, status: 'RETRACTED', version: 2 });
    expect(readModel.topics()).toEqual([{ topic: 'xinjiang', count: 1 }]);

    const withRetracted = readModel.countryTimeline('CN', page({ filter: { includeRetracted: true } }));
    expect(ids(withRetracted)).toEqual([a.id, b.id]);
    expect(withRetracted.totalCount).toBe(2);
    expect(withRetracted.edges[1]?.node.status).toBe('RETRACTED');

    await given.restore(b.id);
    await runner.catchUp();
    expect(ids(readModel.countryTimeline('CN', page()))).toEqual([a.id, b.id]);
    expect(ids(readModel.topicTimeline('sovereignty', page()))).toEqual([b.id]);
    expect(readModel.statement(b.id)).toMatchObject({ status: 'ACTIVE', version: 3 });
    expect(readModel.topics()).toEqual([
      { topic: 'xinjiang', count: 2 },
      { topic: 'sovereignty', count: 1 },
    ]);
  });

  it('indexes a statement under its speaker country, targets and mentions, one edge per country', async () => {
    const a = await given.record({ speakerCountry: 'CN', targets: ['TR'], mentions: ['US'] });
    const b = await given.record({ speakerCountry: 'CN', targets: ['TR', 'US'], mentions: ['TR', 'CN'] });
    await runner.catchUp();

    const roles = (country: string, filterRoles?: CountryRole[]): [string, CountryRole[]][] =>
      readModel
        .countryTimeline(country, page({ filter: filterRoles ? { roles: filterRoles } : {} }))
        .edges.map((edge) => [edge.node.id, edge.roles]);
    expect(roles('CN')).toEqual([
      [a.id, ['SPEAKER']],
      [b.id, ['SPEAKER', 'MENTIONED']],
    ]);
    expect(roles('TR')).toEqual([
      [a.id, ['TARGET']],
      [b.id, ['TARGET', 'MENTIONED']],
    ]);
    expect(roles('US')).toEqual([
      [a.id, ['MENTIONED']],
      [b.id, ['TARGET']],
    ]);
    expect(roles('TR', ['MENTIONED'])).toEqual([[b.id, ['TARGET', 'MENTIONED']]]);
    expect(roles('US', ['TARGET'])).toEqual([[b.id, ['TARGET']]]);
    expect(roles('CN', ['TARGET'])).toEqual([]);
    expect(roles('US', ['SPEAKER', 'MENTIONED'])).toEqual([[a.id, ['MENTIONED']]]);
  });

  it('120 statements paginated by 7 are each seen exactly once, in order, in both directions', async () => {
    const recorded: { id: string; key: string; position: bigint }[] = [];
    for (let i = 0; i < 120; i++) {
      // few distinct dates, mixed precisions: many ties that only the recorded position breaks
      const year = 2018 + (i % 3);
      const month = String(1 + ((i * 5) % 4)).padStart(2, '0');
      const occurredOn =
        i % 10 === 0 ? `${year}` : i % 4 === 0 ? `${year}-${month}` : `${year}-${month}-0${1 + (i % 2)}`;
      const statement = await given.record({ occurredOn });
      const key =
        occurredOn.length === 4
          ? `${occurredOn}-00-00`
          : occurredOn.length === 7
            ? `${occurredOn}-00`
            : occurredOn;
      recorded.push({ id: statement.id, key, position: statement.position });
    }
    await runner.catchUp();
    const ascending = [...recorded]
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : Number(x.position - y.position)))
      .map((r) => r.id);

    for (const order of ['ASC', 'DESC'] as const) {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const connection = readModel.countryTimeline('TR', page({ first: 7, order, after }));
        expect(connection.totalCount).toBe(120);
        seen.push(...ids(connection));
        pages += 1;
        if (!connection.hasNextPage) break;
        expect(connection.endCursor).not.toBeNull();
        after = connection.endCursor ?? undefined;
      }
      expect(pages).toBe(Math.ceil(120 / 7));
      expect(new Set(seen).size).toBe(120);
      expect(seen).toEqual(order === 'ASC' ? ascending : [...ascending].reverse());
    }
  });

  it('from/to filters keep every statement whose period overlaps the range (DESIGN §11.23)', async () => {
    const dates = ['2018-12-31', '2019', '2019-05', '2019-05-16', '2019-12-31', '2020-01'];
    for (const occurredOn of dates) await given.record({ occurredOn, text: occurredOn });
    await runner.catchUp();
    const between = (from?: string, to?: string): string[] =>
      texts(readModel.countryTimeline('CN', page({ filter: { from, to } })));

    expect(between('2019', '2019')).toEqual(['2019', '2019-05', '2019-05-16', '2019-12-31']);
    // "2019" overlaps May 2019 onwards (issue 13 changed this: it used to start the range after "2019")
    expect(between('2019-05')).toEqual(['2019', '2019-05', '2019-05-16', '2019-12-31', '2020-01']);
    expect(between(undefined, '2019-05')).toEqual(['2018-12-31', '2019', '2019-05', '2019-05-16']);
    expect(between('2019-05-16', '2019-05-16')).toEqual(['2019', '2019-05', '2019-05-16']);
    expect(between('2019-12-31', '2020')).toEqual(['2019', '2019-12-31', '2020-01']);
    expect(readModel.countryTimeline('CN', page({ filter: { from: '2019-05' } })).totalCount).toBe(5);
  });

  it('filters by kind, topic and counterpart', async () => {
    const a = await given.record({ kind: 'DISAPPROVE', topics: ['xinjiang'], targets: ['TR'] });
    const b = await given.record({ kind: 'APPEAL', topics: ['trade'], targets: ['US'] });
    const c = await given.record({
      kind: 'STATEMENT',
      topics: ['trade', 'sovereignty'],
      targets: [],
      mentions: ['TR'],
    });
    await runner.catchUp();
    const cn = (filter: TimelineRequest['filter']): string[] =>
      ids(readModel.countryTimeline('CN', page({ filter })));

    expect(cn({ kinds: ['DISAPPROVE', 'APPEAL'] })).toEqual([a.id, b.id]);
    expect(cn({ topics: ['trade'] })).toEqual([b.id, c.id]);
    expect(cn({ topics: ['xinjiang', 'sovereignty'] })).toEqual([a.id, c.id]);
    expect(cn({ counterpart: 'TR' })).toEqual([a.id, c.id]);
    expect(cn({ counterpart: 'TR', kinds: ['STATEMENT'] })).toEqual([c.id]);
    expect(cn({ counterpart: 'FR' })).toEqual([]);
    expect(ids(readModel.topicTimeline('trade', page({ filter: { counterpart: 'US' } })))).toEqual([b.id]);
    expect(ids(readModel.topicTimeline('trade', page({ filter: { topics: ['sovereignty'] } })))).toEqual([
      c.id,
    ]);
    expect(readModel.countryTimeline('CN', page({ filter: { topics: ['trade'] } })).totalCount).toBe(2);
  });

  it('reads a corrected statement as of a position before the correction with its old text and placement', async () => {
    const a = await given.record({ occurredOn: '2019-05-16', targets: ['TR'], text: 'old text' });
    const b = await given.record({ occurredOn: '2019-08', targets: ['TR'] });
    const correctedAt = await given.correct(a.id, {
      occurredOn: '2019-09',
      targets: ['US'],
      text: 'new text',
    });
    await given.retract(b.id);
    await runner.catchUp();
    const before = correctedAt - 1n;

    expect(readModel.statement(a.id, before)).toMatchObject({
      text: 'old text',
      version: 1,
      lastPosition: a.position,
    });
    expect(readModel.statement(a.id, correctedAt)).toMatchObject({ text: 'new text', version: 2 });
    expect(readModel.statement(a.id)).toMatchObject({ text: 'new text', targets: ['US'] });
    expect(readModel.statement(a.id, a.position - 1n)).toBeUndefined();

    expect(texts(readModel.countryTimeline('TR', page({ asOf: before })))).toEqual(['old text', b.text]);
    expect(ids(readModel.countryTimeline('US', page({ asOf: before })))).toEqual([]);
    expect(ids(readModel.countryTimeline('CN', page({ asOf: correctedAt })))).toEqual([b.id, a.id]);
    expect(ids(readModel.countryTimeline('CN', page()))).toEqual([a.id]);
    expect(
      ids(readModel.countryTimeline('TR', page({ asOf: before, filter: { counterpart: 'CN' } }))),
    ).toEqual([a.id, b.id]);
    expect(readModel.statements([a.id, b.id], before).get(a.id)?.text).toBe('old text');
  });

  it('loads many statements and their responses in one call each', async () => {
    const a = await given.record();
    const b = await given.record({ occurredOn: '2019-06' });
    const c = await given.record({ occurredOn: '2019-05-20' });
    await given.link(b.id, a.id);
    const linkedC = await given.link(c.id, a.id);
    await given.retract(c.id);
    await runner.catchUp();

    const many = readModel.statements([a.id, b.id, 'missing']);
    expect([...many.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(many.get(b.id)?.respondsTo).toEqual([a.id]);

    const responses = readModel.responsesTo([a.id, b.id]);
    expect(responses.get(a.id)?.map((s) => s.id)).toEqual([b.id]);
    expect(responses.get(b.id)).toEqual([]);
    expect(
      readModel
        .responsesTo([a.id], linkedC)
        .get(a.id)
        ?.map((s) => s.id),
    ).toEqual([c.id, b.id]);
  });

  it('rejects malformed cursors, oversized pages and malformed dates with typed errors', async () => {
    await given.record();
    await runner.catchUp();
    const cursor = readModel.countryTimeline('CN', page({ first: 1 })).edges[0]?.cursor ?? '';
    expect(() => readModel.countryTimeline('CN', page({ after: cursor }))).not.toThrow();
    for (const after of [
      'garbage!',
      'e30',
      cursor.slice(0, -2),
      Buffer.from('["2019",1,"x"]').toString('base64url'),
    ]) {
      expect(() => readModel.countryTimeline('CN', page({ after }))).toThrow(InvalidCursorError);
    }
    expect(() => readModel.countryTimeline('CN', page({ first: 101 }))).toThrow(InvalidArgumentError);
    expect(() => readModel.countryTimeline('CN', page({ first: -1 }))).toThrow(InvalidArgumentError);
    expect(() => readModel.topicTimeline('x', page({ filter: { from: 'May 2019' } }))).toThrow(
      expect.objectContaining({ field: 'filter.from' }),
    );
    expect(readModel.countryTimeline('CN', page({ first: 0 }))).toEqual({
      edges: [],
      hasNextPage: true,
      endCursor: null,
      hasPreviousPage: false,
      startCursor: null,
      totalCount: 1,
    });
  });

  it('lists topics by count with an optional prefix', async () => {
    await given.record({ topics: ['trade', 'trade-war'] });
    await given.record({ topics: ['trade', 'xinjiang'] });
    await given.record({ topics: ['sovereignty'] });
    await runner.catchUp();
    expect(readModel.topics()).toEqual([
      { topic: 'trade', count: 2 },
      { topic: 'sovereignty', count: 1 },
      { topic: 'trade-war', count: 1 },
      { topic: 'xinjiang', count: 1 },
    ]);
    expect(readModel.topics('trade')).toEqual([
      { topic: 'trade', count: 2 },
      { topic: 'trade-war', count: 1 },
    ]);
    expect(readModel.topics(undefined, 1)).toEqual([{ topic: 'trade', count: 2 }]);
  });
});
