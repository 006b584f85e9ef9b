import { decide, evolve, initialStatementState, type StatementCommand, type StatementEvent } from '#domain';
import type { JsonObject } from '#event-store';
import { referenceData } from '#reference';
import {
  MalformedStatementEventError,
  decodeStatementEvent,
  encodeStatementEvent,
  envelope,
} from './event-codec.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** Every statement event type, as the decider makes them. */
function everyEvent(): StatementEvent[] {
  const commands: StatementCommand[] = [
    {
      type: 'RecordStatement',
      id: ID,
      input: {
        occurredOn: '2019-05',
        speaker: { name: 'Wang Yi', country: 'CN' },
        targets: ['TR'],
        topics: ['xinjiang'],
        cameoCode: '112',
        text: 'We oppose interference.',
        attribution: 'PARAPHRASE',
        language: 'en',
        location: { city: 'Beijing', country: 'CN' },
        sources: [{ url: 'https://example.org/a', outlet: 'Example' }],
      },
    },
    { type: 'CorrectStatement', id: ID, changes: { text: 'We firmly oppose interference.' }, reason: 'typo' },
    { type: 'AddStatementSource', id: ID, source: { url: 'https://example.org/b' } },
    { type: 'TagStatement', id: ID, topics: ['trade'] },
    { type: 'UntagStatement', id: ID, topics: ['trade'] },
    { type: 'LinkResponse', id: ID, respondsTo: OTHER_ID },
    { type: 'RetractStatement', id: ID, reason: 'duplicate' },
    { type: 'RestoreStatement', id: ID, reason: 'not a duplicate' },
  ];
  let state = initialStatementState;
  const events: StatementEvent[] = [];
  for (const command of commands) {
    const decided = decide(command, state, referenceData);
    state = decided.reduce(evolve, state);
    events.push(...decided);
  }
  return events;
}

/** The event as the store hands it back: plain JSON. */
const asStored = (event: StatementEvent): { type: string; data: JsonObject } => {
  const stored = encodeStatementEvent(
    event,
    'event-id',
    envelope({ recordedAt: 'now', recordedBy: 'me', correlationId: 'r', causationId: 'c' }),
  );
  return { type: stored.type, data: JSON.parse(JSON.stringify(stored.data)) };
};

describe('the statement event codec', () => {
  it('decodes every statement event type as it was encoded', () => {
    const events = everyEvent();
    expect(new Set(events.map((e) => e.type)).size).toBe(8);
    for (const event of events) expect(decodeStatementEvent(asStored(event))).toEqual(event);
  });

  it('encodes with the envelope at the current schema version and the given id', () => {
    const [recorded] = everyEvent();
    const stored = encodeStatementEvent(
      recorded,
      'e-1',
      envelope({ recordedAt: 't', recordedBy: 'b', correlationId: 'r', causationId: 'c' }),
    );
    expect(stored).toEqual({
      id: 'e-1',
      type: 'StatementRecorded',
      data: recorded.data,
      metadata: { recordedAt: 't', recordedBy: 'b', correlationId: 'r', causationId: 'c', schemaVersion: 1 },
    });
  });

  it('leaves events of other types alone (undefined)', () => {
    expect(decodeStatementEvent({ type: 'SomethingElse', data: { statementId: ID } })).toBeUndefined();
  });

  it.each<[string, string, JsonObject, string]>([
    ['a recorded statement without a speaker', 'StatementRecorded', { id: ID, text: 'x' }, 'statement'],
    ['a recorded statement of an unknown kind', 'StatementRecorded', { kind: 'SHOUT' }, 'statement'],
    [
      'a correction of a field statements do not have',
      'StatementCorrected',
      { statementId: ID, changes: { colour: 'red' }, reason: 'r' },
      'changes',
    ],
    [
      'a correction whose targets are not strings',
      'StatementCorrected',
      { statementId: ID, changes: { targets: [1] }, reason: 'r' },
      'changes',
    ],
    ['a correction without a reason', 'StatementCorrected', { statementId: ID, changes: {} }, 'reason'],
    [
      'a source without a url',
      'StatementSourceAdded',
      { statementId: ID, source: { outlet: 'x' } },
      'source',
    ],
    ['topics that are not a list', 'StatementTopicsTagged', { statementId: ID, topics: 'trade' }, 'topics'],
    [
      'a link without the statement it responds to',
      'StatementResponseLinked',
      { statementId: ID },
      'respondsTo',
    ],
    ['a retraction without a statement id', 'StatementRetracted', { reason: 'r' }, 'statementId'],
  ])('refuses %s, naming the field', (_, type, data, field) => {
    const decode = () => decodeStatementEvent({ type, data });
    expect(decode).toThrow(MalformedStatementEventError);
    expect(decode).toThrow(`stored ${type} has no valid ${field}`);
  });

  it('refuses a recorded statement from a complete one with a single member broken', () => {
    const [recorded] = everyEvent();
    const stored = asStored(recorded);
    expect(decodeStatementEvent(stored)).toBeDefined();
    for (const [key, broken] of Object.entries({ sources: [{}], mentions: 'CN', goldstein: 'high', id: 7 })) {
      expect(() =>
        decodeStatementEvent({ type: stored.type, data: { ...stored.data, [key]: broken } }),
      ).toThrow(MalformedStatementEventError);
    }
  });
});
