import { StatementConflictError, type StatementInput } from '#domain';
import { InMemoryEventStore } from '#event-store/testing';
import { referenceData } from '#reference';
import { decideBatch, type CommandItem } from './decide-batch.js';
import { prepareWrites } from './writes.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const input = (text: string): StatementInput => ({
  occurredOn: '2020',
  speaker: { name: 'Mevlüt Çavuşoğlu', country: 'TR' },
  targets: ['CN'],
  cameoCode: '112',
  text,
  attribution: 'SUMMARY',
  sources: [{ url: 'https://example.org/' }],
});
const item = (id: string, text: string, commandId: string, respondsTo: string[] = []): CommandItem => ({
  command: { type: 'RecordStatement', id, input: input(text) },
  then: respondsTo.map((target) => ({ type: 'LinkResponse', id, respondsTo: target })),
  commandId,
});

describe('deciding a batch of statement commands', () => {
  it('decides each item on the state the earlier items of the batch leave, and refers a conflict to the earlier one', async () => {
    const store = new InMemoryEventStore();

    const outcomes = await decideBatch(store, referenceData, [
      item(ID, 'first', 'c1', [OTHER_ID]),
      item(OTHER_ID, 'other', 'c2'),
      item(ID, 'first', 'c3'),
      item(ID.toUpperCase(), 'something else', 'c4'),
    ]);

    expect(outcomes.map((o) => o.kind)).toEqual(['decided', 'decided', 'unchanged', 'refused']);
    const [first, , , conflict] = outcomes;
    expect(first).toMatchObject({
      decision: { id: ID, expectedRevision: 'no_stream', causationId: 'c1' },
    });
    expect(first.kind === 'decided' && first.decision.events.map((e) => e.type)).toEqual([
      'StatementRecorded',
      'StatementResponseLinked',
    ]);
    expect(conflict).toMatchObject({ kind: 'refused', earlier: 0 });
    expect(conflict.kind === 'refused' && conflict.error).toBeInstanceOf(StatementConflictError);
  });

  it('prepares writes with the expected revision each decision was made on', async () => {
    const store = new InMemoryEventStore();
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    let n = 0;
    const ids = { newId: () => `id-${++n}` };
    const [stored] = await decideBatch(store, referenceData, [item(ID, 'first', 'c1')]);
    if (stored.kind !== 'decided') throw new Error('expected a decision');
    await store.appendToStreams(
      prepareWrites([stored.decision], { principal: 'p', correlationId: 'r' }, clock, ids),
    );

    const outcomes = await decideBatch(store, referenceData, [
      { command: { type: 'TagStatement', id: ID, topics: ['trade'] }, commandId: 'c2' },
      { command: { type: 'TagStatement', id: ID, topics: ['energy'] }, commandId: 'c3' },
    ]);
    const decisions = outcomes.flatMap((o) => (o.kind === 'decided' ? [o.decision] : []));
    const writes = prepareWrites(decisions, { principal: 'p', correlationId: 'r' }, clock, ids);

    expect(writes.map((w) => [w.stream, w.expectedRevision, w.events[0].metadata.causationId])).toEqual([
      [`statement-${ID}`, 0, 'c2'],
      [`statement-${ID}`, 1, 'c3'],
    ]);
    const results = await store.appendToStreams(writes);
    expect(results.map((r) => r.nextRevision)).toEqual([1, 2]);
  });

  it('checks an expected version against the state the item is decided on', async () => {
    const outcomes = await decideBatch(new InMemoryEventStore(), referenceData, [
      { ...item(ID, 'first', 'c1'), expectedVersion: 2 },
    ]);
    expect(outcomes).toMatchObject([{ kind: 'refused', error: { expectedVersion: 2, actualVersion: 0 } }]);
  });
});
