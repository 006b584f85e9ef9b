import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { Position, RecordedEvent } from '#event-store';
import { ReadModel } from '#read-model';
import { ProjectionRunner } from './projection-runner.js';
import { InMemoryEventStore } from '#event-store/testing';
import { StatementScenario } from './testing/statement-events.js';

let dir: string;
let file: string;
let store: InMemoryEventStore;
let readModel: ReadModel;
let given: StatementScenario;
const runners: ProjectionRunner[] = [];

function runner(options: ConstructorParameters<typeof ProjectionRunner>[2] = {}): ProjectionRunner {
  const created = new ProjectionRunner(store, readModel, { retryBaseMs: 5, retryMaxMs: 20, ...options });
  runners.push(created);
  return created;
}

/** Positions each listener call reported, flattened: shows whether any event was applied twice. */
function appliedPositions(projection: ProjectionRunner): Position[] {
  const positions: Position[] = [];
  projection.onApplied((events) => positions.push(...events.map((e) => e.position)));
  return positions;
}

async function recordMany(count: number): Promise<Position> {
  let last = 0n;
  for (let i = 0; i < count; i++)
    last = (await given.record({ occurredOn: `2019-0${1 + (i % 9)}` })).position;
  return last;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-runner-'));
  file = join(dir, 'read-model.db');
  store = new InMemoryEventStore();
  readModel = ReadModel.open(file);
  given = new StatementScenario(store);
});

afterEach(async () => {
  for (const created of runners.splice(0)) await created.stop();
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('projection runner', () => {
  it('catches up in batches and resumes from its checkpoint, also after reopening the read model', async () => {
    await recordMany(5);
    expect(await runner({ batchSize: 2 }).catchUp()).toBe(5n);
    expect(readModel.checkpoint('statements')).toBe(5n);

    await recordMany(3);
    readModel.close();
    readModel = ReadModel.open(file);
    const reopened = runner({ batchSize: 2 });
    expect(reopened.checkpoint).toBe(5n);
    const readAll = jest.spyOn(store, 'readAll');
    const applied = appliedPositions(reopened);

    expect(await reopened.catchUp()).toBe(8n);
    expect(readAll.mock.calls[0]?.[0]).toEqual({ fromPosition: 5n, maxCount: 2 });
    expect(applied).toEqual([6n, 7n, 8n]);
    expect(readModel.countryTimeline('CN', { first: 100, order: 'ASC' }).totalCount).toBe(8);
  });

  it('commits rows and checkpoint in one transaction: a batch failing mid-way moves neither', async () => {
    const projection = runner({ batchSize: 10 });
    await recordMany(3);
    await projection.catchUp();
    const before = readModel.dump();

    await recordMany(4);
    const original = readModel.apply.bind(readModel);
    let calls = 0;
    const apply = jest.spyOn(readModel, 'apply').mockImplementation((position, writes) => {
      calls += 1;
      if (calls === 3) throw new Error('disk full');
      original(position, writes);
    });

    await expect(projection.catchUp()).rejects.toThrow('disk full');
    expect(calls).toBe(3);
    expect(readModel.dump()).toEqual(before);
    expect(readModel.checkpoint('statements')).toBe(3n);
    expect(projection.checkpoint).toBe(3n);

    apply.mockRestore();
    expect(await projection.catchUp()).toBe(7n);
    expect(readModel.countryTimeline('CN', { first: 100, order: 'ASC' }).totalCount).toBe(7);
  });

  it('serialises concurrent catchUp calls: each event is applied once', async () => {
    await recordMany(40);
    const projection = runner({ batchSize: 7 });
    const applied = appliedPositions(projection);

    const results = await Promise.all([projection.catchUp(), projection.catchUp(), projection.catchUp()]);

    expect(results).toEqual([40n, 40n, 40n]);
    expect(applied).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
  });

  it('a catchUp called while another runs also applies what was appended meanwhile', async () => {
    await recordMany(10);
    const projection = runner({ batchSize: 3 });
    const first = projection.catchUp();
    const appended = given.record();
    const second = projection.catchUp();
    const { position } = await appended;
    expect(await second).toBe(position);
    expect(await first).toBeLessThanOrEqual(position);
  });

  it('waitForPosition resolves true once the checkpoint reaches the position, false on timeout', async () => {
    const projection = runner();
    expect(await projection.waitForPosition(0n, 10)).toBe(true);
    expect(await projection.waitForPosition(1n, 20)).toBe(false);

    const waiting = projection.waitForPosition(2n, 5000);
    await recordMany(2);
    await projection.catchUp();
    expect(await waiting).toBe(true);
  });

  it('the live loop picks up new events, in small batches, until stopped', async () => {
    await recordMany(3);
    const projection = runner({ liveBatchSize: 4 });
    const batches: (readonly RecordedEvent[])[] = [];
    projection.onApplied((events) => batches.push(events));
    projection.start();
    expect(await projection.waitForPosition(3n, 2000)).toBe(true);

    const { id, position } = await given.record({ occurredOn: '2020' });
    expect(await projection.waitForPosition(position, 2000)).toBe(true);
    expect(readModel.statement(id)?.occurredOn).toBe('2020');

    const last = await recordMany(10);
    expect(await projection.waitForPosition(last, 2000)).toBe(true);
    expect(batches.flat().map((e) => e.position)).toEqual(
      Array.from({ length: 14 }, (_, i) => BigInt(i + 1)),
    );
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    expect((await projection.status())[0]).toMatchObject({ live: true, lag: 0 });

    await projection.stop();
    expect((await projection.status())[0]?.live).toBe(false);
    const after = await given.record();
    expect(await projection.waitForPosition(after.position, 50)).toBe(false);
  });

  it('the live loop resubscribes from its checkpoint after a subscription error', async () => {
    const errors: unknown[] = [];
    const projection = runner({ onError: (error) => errors.push(error) });
    const applied = appliedPositions(projection);
    projection.start();
    const first = await given.record();
    expect(await projection.waitForPosition(first.position, 2000)).toBe(true);

    store.failSubscriptions(new Error('connection reset'));
    const second = await given.record();
    const third = await given.record();

    expect(await projection.waitForPosition(third.position, 2000)).toBe(true);
    expect(second.position).toBeLessThan(third.position);
    expect(errors).toEqual([new Error('connection reset')]);
    expect(store.subscriptionsOpened).toBe(2);
    expect(applied).toEqual([1n, 2n, 3n]);
  });

  it('live loop and catchUp running together apply each event once', async () => {
    const projection = runner({ batchSize: 3, liveBatchSize: 2 });
    const applied = appliedPositions(projection);
    projection.start();
    const catchUps: Promise<Position>[] = [];
    for (let i = 0; i < 30; i++) {
      await given.record();
      if (i % 4 === 0) catchUps.push(projection.catchUp());
    }
    await Promise.all(catchUps);
    expect(await projection.waitForPosition(30n, 2000)).toBe(true);
    expect(applied).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
  });

  it('skips events of other streams but moves its checkpoint past them', async () => {
    await given.appendRaw('importer-run-1', 'ImportStarted', { file: 'a.ndjson' });
    const { id } = await given.record();
    await given.appendRaw('importer-run-1', 'ImportFinished', { imported: 1 });
    const projection = runner();

    expect(await projection.catchUp()).toBe(3n);
    expect(readModel.statement(id)).toMatchObject({ lastPosition: 2n, version: 1 });
    expect(readModel.dump().statements).toHaveLength(1);
  });

  it('reports checkpoint, head and lag', async () => {
    await recordMany(4);
    const projection = runner({ name: 'statements' });
    expect(await projection.status()).toEqual([
      { name: 'statements', checkpoint: 0n, head: 4n, lag: 4, live: false, lastError: null },
    ]);
    await projection.catchUp();
    expect((await projection.status())[0]).toMatchObject({ checkpoint: 4n, head: 4n, lag: 0 });
  });
});
