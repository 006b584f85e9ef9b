import { EventStore, type RecordedEvent } from '#event-store';
import { ReadModel } from '#read-model';
import { statementChangesOf } from '../apps/api/src/journalism/statement-changes.js';
import { RECORD, TestApi, statementInput } from './support/api.js';

describe('what statementChanged publishes for an applied batch', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await TestApi.start();
  });
  afterEach(async () => {
    await api.stop();
  });

  async function eventsAfter(position: bigint): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of api.app.get(EventStore).readAll({ fromPosition: position })) events.push(event);
    return events;
  }

  it('names the countries and topics of the statement before and after, so one that leaves a timeline reaches it', async () => {
    const recorded = await api.ok<{ recordStatement: { position: string; statement: { id: string } } }>(
      RECORD,
      {
        input: statementInput({ targets: ['TR'], mentions: ['US'], topics: ['xinjiang'] }),
      },
    );
    const { id } = recorded.recordStatement.statement;
    const first = await eventsAfter(0n);
    expect(statementChangesOf(api.app.get(ReadModel), first)).toEqual([
      {
        position: BigInt(recorded.recordStatement.position),
        payload: expect.objectContaining({ countries: ['CN', 'TR', 'US'], topics: ['xinjiang'] }),
      },
    ]);

    await api.ok(
      `mutation($id: ID!) {
        correctStatement(id: $id, input: { targets: ["DE"], mentions: [], reason: "wrong country" }) { version }
      }`,
      { id },
    );
    await api.ok(`mutation($id: ID!) { untagStatement(id: $id, topics: ["xinjiang"]) { version } }`, { id });
    const later = await eventsAfter(BigInt(recorded.recordStatement.position));
    expect(later).toHaveLength(2);
    const [published, ...others] = statementChangesOf(api.app.get(ReadModel), later);
    expect(others).toEqual([]);
    // one change for the statement, at the position of its last event in the run
    expect(published?.position).toBe(later[1]?.position);
    const change = published?.payload;
    expect(change?.statementChanged).toEqual(expect.objectContaining({ id, targets: ['DE'], topics: [] }));
    expect(change?.countries.sort()).toEqual(['CN', 'DE', 'TR', 'US']);
    expect(change?.topics).toEqual(['xinjiang']);
  });
});
