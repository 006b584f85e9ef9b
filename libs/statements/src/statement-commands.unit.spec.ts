import {
  StatementConflictError,
  StatementNotFoundError,
  ValidationError,
  statementStream,
  type StatementCommand,
  type StatementInput,
} from '#domain';
import { type AppendResult, type StreamWrite } from '#event-store';
import { InMemoryEventStore, collect, event as testEvent } from '#event-store/testing';
import { referenceData } from '#reference';
import { MAX_ATTEMPTS, StatementCommands } from './execute-command.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const NOW = new Date('2026-03-01T12:00:00.000Z');

const input: StatementInput = {
  occurredOn: '2021-03-25',
  speaker: { name: 'Mevlüt Çavuşoğlu', role: 'Foreign Minister', country: 'TUR' },
  targets: ['China'],
  mentions: ['US'],
  topics: ['trade', 'vaccines'],
  kind: 'CONSULT',
  text: 'We discussed vaccine deliveries and trade with our Chinese counterpart.',
  attribution: 'READOUT',
  sources: [{ url: 'https://www.mfa.gov.tr/', outlet: 'MFA Türkiye' }],
};
const record = (id = ID): StatementCommand => ({ type: 'RecordStatement', id, input });
const tag = (topics: string[]): StatementCommand => ({ type: 'TagStatement', id: ID, topics });
const context = { principal: 'editor-key', correlationId: 'request-42' };

/** A store that lets a test act just before each multi-stream append (to lose a race on purpose). */
class RacingStore extends InMemoryEventStore {
  appendCalls = 0;
  beforeAppend: (call: number) => Promise<void> = async () => undefined;
  override async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    this.appendCalls += 1;
    await this.beforeAppend(this.appendCalls);
    return super.appendToStreams(writes);
  }
  /** an append that is not counted and does not trigger `beforeAppend` */
  async appendAsAnotherWriter(write: StreamWrite): Promise<void> {
    await super.appendToStreams([write]);
  }
}

function setUp() {
  const store = new RacingStore();
  let next = 0;
  const core = new StatementCommands({
    store,
    reference: referenceData,
    clock: { now: () => NOW },
    ids: { newId: () => `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}` },
  });
  return { store, core };
}

/** Another writer appends a tag to the statement behind the core's back. */
const concurrentTag = (store: RacingStore) =>
  store.appendAsAnotherWriter({
    stream: statementStream(ID),
    events: [testEvent('StatementTopicsTagged', { statementId: ID, topics: ['trade'] })],
    expectedRevision: 'any',
  });

describe('the statement commands of the application core', () => {
  it('records a statement with the metadata envelope: who, when, the request, and the command that caused it', async () => {
    const { store, core } = setUp();

    const first = await core.execute({ command: record(), context });
    const second = await core.execute({ command: tag(['trade', 'security']), context });

    expect(first).toMatchObject({ id: ID, version: 1, events: [{ type: 'StatementRecorded' }] });
    expect(second).toMatchObject({ id: ID, version: 2, events: [{ type: 'StatementTopicsTagged' }] });
    const stored = await collect(store.readStream(statementStream(ID)));
    expect(stored.map((e) => e.metadata)).toEqual([
      expect.objectContaining({
        recordedAt: NOW.toISOString(),
        recordedBy: 'editor-key',
        correlationId: 'request-42',
        causationId: first.commandId,
        schemaVersion: 1,
      }),
      expect.objectContaining({ correlationId: 'request-42', causationId: second.commandId }),
    ]);
    expect(first.commandId).not.toBe(second.commandId);
    // the causation id names the command, not an event: no stored event has it as its id
    expect(stored.map((e) => e.id)).not.toContain(first.commandId);
    expect(second.position).toBe(stored[1].position);
  });

  it('a repeated command appends nothing and answers with the version and position as they stand', async () => {
    const { store, core } = setUp();
    const first = await core.execute({ command: record(), context });
    const head = await store.headPosition();

    const again = await core.execute({ command: record(), context });

    expect(again).toMatchObject({ id: ID, version: 1, position: first.position, events: [] });
    expect(await store.headPosition()).toBe(head);
  });

  it('a stale expected version is a conflict naming both versions, and stores nothing', async () => {
    const { store, core } = setUp();
    await core.execute({ command: record(), context });

    const error = await core
      .execute({ command: tag(['trade']), expectedVersion: 3, context })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StatementConflictError);
    expect(error).toMatchObject({ expectedVersion: 3, actualVersion: 1 });
    expect(await store.headPosition()).toBe(1n);
  });

  it('linking a response checks that the statement it responds to exists (another stream)', async () => {
    const { core } = setUp();
    await core.execute({ command: record(), context });

    await expect(
      core.execute({ command: { type: 'LinkResponse', id: ID, respondsTo: OTHER_ID }, context }),
    ).rejects.toBeInstanceOf(StatementNotFoundError);
    await expect(
      core.execute({ command: { type: 'LinkResponse', id: ID, respondsTo: ID }, context }),
    ).rejects.toBeInstanceOf(ValidationError);

    await core.execute({ command: record(OTHER_ID), context });
    const linked = await core.execute({
      command: { type: 'LinkResponse', id: ID, respondsTo: OTHER_ID },
      context,
    });
    expect(linked).toMatchObject({ version: 2, events: [{ type: 'StatementResponseLinked' }] });
  });

  it('a lost race without an expected version is decided again on fresh state, with the same command id', async () => {
    const { store, core } = setUp();
    await core.execute({ command: record(), context });
    store.beforeAppend = async (call) => {
      if (call === 2) await concurrentTag(store);
    };

    const result = await core.execute({ command: tag(['security']), context });

    expect(result.version).toBe(3);
    expect(store.appendCalls).toBe(3);
    const stored = await collect(store.readStream(statementStream(ID)));
    expect(stored.map((e) => e.type)).toEqual([
      'StatementRecorded',
      'StatementTopicsTagged',
      'StatementTopicsTagged',
    ]);
    expect(stored[2].metadata.causationId).toBe(result.commandId);
  });

  it('a lost race with an expected version is a conflict, not a retry', async () => {
    const { store, core } = setUp();
    await core.execute({ command: record(), context });
    store.beforeAppend = async (call) => {
      if (call === 2) await concurrentTag(store);
    };

    const error = await core
      .execute({ command: tag(['security']), expectedVersion: 1, context })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StatementConflictError);
    expect(error).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect(store.appendCalls).toBe(2);
  });

  it(`gives up with a conflict after ${MAX_ATTEMPTS} lost races`, async () => {
    const { store, core } = setUp();
    await core.execute({ command: record(), context });
    store.beforeAppend = async (call) => {
      if (call > 1) await concurrentTag(store);
    };

    const error = await core.execute({ command: tag(['security']), context }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StatementConflictError);
    expect(store.appendCalls).toBe(1 + MAX_ATTEMPTS);
  });

  it('refuses a command on a statement that was never recorded, naming it', async () => {
    const { store, core } = setUp();
    await expect(core.execute({ command: tag(['trade']), context })).rejects.toThrow(
      `statement ${ID} not found`,
    );
    expect(await store.headPosition()).toBe(0n);
  });
});
