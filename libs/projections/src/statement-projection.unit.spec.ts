import type { Statement, StatementEvent } from '#domain';
import type { RecordedEvent } from '#event-store';
import type { ReadModelWrite, StatementView } from '#read-model';
import { evolveStatementView, projectStatementEvent } from './statement-projection.js';

const ID = '00000000-0000-4000-8000-000000000001';

const statement: Statement = {
  id: ID,
  occurredOn: '2019-05-16',
  speaker: { name: 'Wang Yi', country: 'CN' },
  speakerCountry: 'CN',
  targets: ['TR'],
  mentions: ['TR', 'US'],
  topics: ['xinjiang'],
  kind: 'DISAPPROVE',
  text: 'We firmly oppose ...',
  attribution: 'DIRECT_QUOTE',
  sources: [{ url: 'https://example.org/1' }],
};

let position = 0n;
function recorded(event: StatementEvent, stream = `statement-${ID}`): RecordedEvent {
  position += 1n;
  return {
    id: `event-${position}`,
    stream,
    revision: Number(position) - 1,
    position,
    type: event.type,
    data: JSON.parse(JSON.stringify(event.data)),
    metadata: {
      recordedAt: `2024-01-01T00:00:0${position}.000Z`,
      recordedBy: 'test',
      correlationId: 'c',
      causationId: 'c',
      schemaVersion: 1,
      prevHash: null,
      hash: `fake-${position}`,
    },
  };
}

/** Given events, the view after them (what the read model would hold). */
function given(...events: StatementEvent[]): StatementView | undefined {
  return events.reduce<StatementView | undefined>(
    (view, event) => evolveStatementView(view, recorded(event)),
    undefined,
  );
}

const writesOf = (writes: ReadModelWrite[], type: ReadModelWrite['type']): ReadModelWrite[] =>
  writes.filter((write) => write.type === type);

beforeEach(() => {
  position = 0n;
});

describe('statements projection', () => {
  it('indexes a new statement once per country, with every role that country holds', () => {
    const writes = projectStatementEvent(recorded({ type: 'StatementRecorded', data: statement }), undefined);

    // nothing to close for a new statement: every put says so
    expect(writesOf(writes, 'putCountryEntry')).toEqual([
      {
        type: 'putCountryEntry',
        entry: expect.objectContaining({ country: 'CN', roles: ['SPEAKER'] }),
        replaces: false,
      },
      {
        type: 'putCountryEntry',
        entry: expect.objectContaining({ country: 'TR', roles: ['TARGET', 'MENTIONED'] }),
        replaces: false,
      },
      {
        type: 'putCountryEntry',
        entry: expect.objectContaining({ country: 'US', roles: ['MENTIONED'] }),
        replaces: false,
      },
    ]);
    expect(writesOf(writes, 'putTopicEntry')).toEqual([
      {
        type: 'putTopicEntry',
        entry: expect.objectContaining({ topic: 'xinjiang', kind: 'DISAPPROVE', status: 'ACTIVE' }),
        replaces: false,
      },
    ]);
    expect(writesOf(writes, 'adjustTopicCount')).toEqual([
      { type: 'adjustTopicCount', topic: 'xinjiang', delta: 1 },
    ]);
    expect(writes[0]).toEqual({
      type: 'putStatement',
      replaces: false,
      statement: {
        ...statement,
        status: 'ACTIVE',
        version: 1,
        recordedAt: '2024-01-01T00:00:01.000Z',
        updatedAt: '2024-01-01T00:00:01.000Z',
        respondsTo: [],
        recordedPosition: 1n,
        lastPosition: 1n,
      },
    });
  });

  it('yields nothing for an event at or before the position the statement last changed at', () => {
    const current = given({ type: 'StatementRecorded', data: statement });
    const replayed = {
      ...recorded({ type: 'StatementRetracted', data: { statementId: ID, reason: 'x' } }),
      position: 1n,
    };
    expect(projectStatementEvent(replayed, current)).toEqual([]);
  });

  it('a text correction rewrites only the statement row and its search document', () => {
    const current = given({ type: 'StatementRecorded', data: statement });
    const writes = projectStatementEvent(
      recorded({
        type: 'StatementCorrected',
        data: { statementId: ID, changes: { text: 'new' }, reason: 'typo' },
      }),
      current,
    );
    expect(writes).toEqual([
      {
        type: 'putStatement',
        statement: expect.objectContaining({ text: 'new', version: 2, lastPosition: 2n }),
        replaces: true,
      },
      {
        type: 'putSearchDocument',
        document: { recordedPosition: 1n, text: 'new', speaker: 'Wang Yi', sources: 'https://example.org/1' },
        replaces: true,
      },
    ]);
  });

  it('writes a new search document on record, and rewrites it when a source is added, not when topics change', () => {
    const first = projectStatementEvent(recorded({ type: 'StatementRecorded', data: statement }), undefined);
    expect(writesOf(first, 'putSearchDocument')).toEqual([
      {
        type: 'putSearchDocument',
        document: {
          recordedPosition: 1n,
          text: statement.text,
          speaker: 'Wang Yi',
          sources: 'https://example.org/1',
        },
        replaces: false,
      },
    ]);
    position = 0n;
    const current = given({ type: 'StatementRecorded', data: statement });
    const sourced = projectStatementEvent(
      recorded({
        type: 'StatementSourceAdded',
        data: { statementId: ID, source: { url: 'https://example.org/2', outlet: 'Example Times' } },
      }),
      current,
    );
    expect(writesOf(sourced, 'putSearchDocument')).toEqual([
      {
        type: 'putSearchDocument',
        document: expect.objectContaining({
          sources: 'https://example.org/1 \n Example Times https://example.org/2',
        }),
        replaces: true,
      },
    ]);
    const tagged = projectStatementEvent(
      recorded({ type: 'StatementTopicsTagged', data: { statementId: ID, topics: ['uyghurs'] } }),
      current,
    );
    expect(writesOf(tagged, 'putSearchDocument')).toEqual([]);
  });

  it('a target correction closes the country that lost its role and reopens the one whose roles changed', () => {
    const current = given({ type: 'StatementRecorded', data: statement });
    const writes = projectStatementEvent(
      recorded({
        type: 'StatementCorrected',
        data: { statementId: ID, changes: { targets: ['US'], mentions: [] }, reason: 'r' },
      }),
      current,
    );
    expect(writes.slice(1)).toEqual([
      {
        type: 'putCountryEntry',
        entry: expect.objectContaining({ country: 'US', roles: ['TARGET'] }),
        replaces: true,
      },
      { type: 'closeCountryEntry', recordedPosition: 1n, country: 'TR' },
      // TR's timeline loses the statement; US keeps its entry (with other roles): its counts stay
      { type: 'adjustTimelineCount', timeline: 'country', key: 'TR', active: -1, current: -1 },
    ]);
  });

  it('a retraction reopens every entry as RETRACTED and takes the statement out of the topic counts', () => {
    const current = given({ type: 'StatementRecorded', data: statement });
    const writes = projectStatementEvent(
      recorded({ type: 'StatementRetracted', data: { statementId: ID, reason: 'duplicate' } }),
      current,
    );
    expect(writesOf(writes, 'putCountryEntry')).toHaveLength(3);
    expect(
      writesOf(writes, 'putCountryEntry').every(
        (w) => w.type === 'putCountryEntry' && w.entry.status === 'RETRACTED' && w.replaces === true,
      ),
    ).toBe(true);
    expect(writesOf(writes, 'closeCountryEntry')).toEqual([]);
    expect(writesOf(writes, 'adjustTopicCount')).toEqual([
      { type: 'adjustTopicCount', topic: 'xinjiang', delta: -1 },
    ]);
    // every timeline keeps the entry (now RETRACTED): one fewer ACTIVE, the same number current
    const counts = writesOf(writes, 'adjustTimelineCount');
    expect(counts).toHaveLength(4);
    expect(counts.every((w) => 'active' in w && w.active === -1 && w.current === 0)).toBe(true);
  });

  it('tagging and untagging open and close topic entries; tagging a topic twice changes nothing', () => {
    const current = given({ type: 'StatementRecorded', data: statement });
    const tagged = projectStatementEvent(
      recorded({
        type: 'StatementTopicsTagged',
        data: { statementId: ID, topics: ['xinjiang', 'trade', 'trade'] },
      }),
      current,
    );
    expect(tagged.slice(1)).toEqual([
      { type: 'putTopicEntry', entry: expect.objectContaining({ topic: 'trade' }), replaces: false },
      { type: 'adjustTopicCount', topic: 'trade', delta: 1 },
      { type: 'adjustTimelineCount', timeline: 'topic', key: 'trade', active: 1, current: 1 },
    ]);
    const untagged = projectStatementEvent(
      recorded({ type: 'StatementTopicsUntagged', data: { statementId: ID, topics: ['xinjiang'] } }),
      current,
    );
    expect(untagged.slice(1)).toEqual([
      { type: 'closeTopicEntry', recordedPosition: 1n, topic: 'xinjiang' },
      { type: 'adjustTopicCount', topic: 'xinjiang', delta: -1 },
      { type: 'adjustTimelineCount', timeline: 'topic', key: 'xinjiang', active: -1, current: -1 },
    ]);
  });

  it('links a response once and keeps sources unique by url', () => {
    const view = given(
      { type: 'StatementRecorded', data: statement },
      { type: 'StatementResponseLinked', data: { statementId: ID, respondsTo: 'other' } },
      { type: 'StatementResponseLinked', data: { statementId: ID, respondsTo: 'other' } },
      { type: 'StatementSourceAdded', data: { statementId: ID, source: { url: 'https://example.org/1' } } },
      { type: 'StatementSourceAdded', data: { statementId: ID, source: { url: 'https://example.org/2' } } },
    );
    expect(view).toMatchObject({ respondsTo: ['other'], version: 5, lastPosition: 5n, recordedPosition: 1n });
    expect(view?.sources.map((s) => s.url)).toEqual(['https://example.org/1', 'https://example.org/2']);
  });

  it('skips events of other streams, unknown types, and changes to a statement it never saw recorded', () => {
    const other = recorded({ type: 'StatementRecorded', data: statement }, 'importer-run-1');
    expect(projectStatementEvent(other, undefined)).toEqual([]);
    const unknown = {
      ...recorded({ type: 'StatementRecorded', data: statement }),
      type: 'StatementArchived',
    };
    expect(projectStatementEvent(unknown, undefined)).toEqual([]);
    const orphan = recorded({ type: 'StatementRetracted', data: { statementId: ID, reason: 'x' } });
    expect(projectStatementEvent(orphan, undefined)).toEqual([]);
  });
});
