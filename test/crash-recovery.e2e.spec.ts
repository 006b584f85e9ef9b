import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { rebuildInto } from '#projections';
import { ReadModel } from '#read-model';
import { RECORD, statementInput } from './support/api.js';
import { ROOT, ServerProcess, assertBuilt } from './support/server-process.js';

/** The live read model and one built from scratch from the same log hold the same rows. */
async function expectReadModelEqualsRebuild(dataDir: string): Promise<void> {
  const store = SqliteEventStore.open(join(dataDir, 'events.db'));
  const scratchFile = join(dataDir, 'scratch-read-model.db');
  try {
    await rebuildInto(store, scratchFile);
    const live = ReadModel.open(join(dataDir, 'read-model.db'));
    const scratch = ReadModel.open(scratchFile);
    try {
      expect(live.dump()).toEqual(scratch.dump());
    } finally {
      live.close();
      scratch.close();
    }
  } finally {
    await store.close();
  }
}

describe('crash recovery', () => {
  let dataDir: string;
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-crash-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a process killed with SIGKILL between appending and projecting loses nothing: on restart the read model catches up', async () => {
    // A first start creates both files, so the read model exists and lags behind the append below.
    const first = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir });
    await first.stop();

    const id = randomUUID();
    const child = spawnSync(
      process.execPath,
      [join(ROOT, 'test/support/append-then-die.mjs'), join(dataDir, 'events.db'), id],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toMatch(/appended at 1\n/);

    const server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir });
    try {
      const response = await server.gql<{ countryTimeline: { edges: { node: { id: string } }[] } }>(
        '{ countryTimeline(country: "TR") { edges { node { id } } } }',
      );
      expect(response.data?.countryTimeline.edges.map((e) => e.node.id)).toEqual([id]);
    } finally {
      await server.stop();
    }
    await expectReadModelEqualsRebuild(dataDir);
  });

  it('SIGKILL at random moments during writes: every acknowledged statement survives and the read model equals a rebuild', async () => {
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir });
      const killAt = Date.now() + 150 + Math.floor(Math.random() * 400);
      const writer = (async () => {
        for (let i = 0; ; i++) {
          const id = randomUUID();
          try {
            const response = await server.gql(RECORD, {
              input: statementInput({ id, text: `round ${round} #${i}` }),
            });
            if (response.errors) throw new Error(JSON.stringify(response.errors));
            acknowledged.push(id);
          } catch {
            return; // the server is gone: whatever was not acknowledged may or may not be stored
          }
        }
      })();
      await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
      await server.stop('SIGKILL');
      await writer;
    }
    expect(acknowledged.length).toBeGreaterThan(3);

    const server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir });
    try {
      const ids = new Set<string>();
      let after: string | null = null;
      for (;;) {
        const page: {
          data?: {
            countryTimeline: {
              edges: { node: { id: string } }[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          };
        } = await server.gql(
          'query($after: String) { countryTimeline(country: "TR", first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { after },
        );
        for (const edge of page.data?.countryTimeline.edges ?? []) ids.add(edge.node.id);
        if (!page.data?.countryTimeline.pageInfo.hasNextPage) break;
        after = page.data.countryTimeline.pageInfo.endCursor;
      }
      for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    } finally {
      await server.stop();
    }
    await expectReadModelEqualsRebuild(dataDir);
  });
});
