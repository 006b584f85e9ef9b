import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statementStream } from '#domain';
import { SqliteEventStore } from '#event-store';
import { RECORD, statementInput } from '../support/api.js';
import { ServerProcess } from '../support/server-process.js';
import { verifyLog } from '../support/fault-harness.js';

const CORRECT = `mutation($id: ID!, $expectedVersion: Int, $input: CorrectStatementInput!) {
  correctStatement(id: $id, expectedVersion: $expectedVersion, input: $input) { version }
}`;

interface Answer {
  data?: { correctStatement?: { version: number }; statement?: { version: number } | null } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('several processes correcting the same statements at once', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-race-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no update: each success is one StatementCorrected in history, the version counts them, every refusal is CONFLICT', async () => {
    const eventsFile = join(dir, 'events.db');
    for (let i = 0; i < 3; i++) {
      servers.push(
        await ServerProcess.start({
          COMMUNIQUE_DATA_DIR: dir,
          COMMUNIQUE_EVENTS_FILE: eventsFile,
          COMMUNIQUE_READ_MODEL_FILE: join(dir, `read-model-${i}.db`),
          COMMUNIQUE_LOG: 'silent',
        }),
      );
    }
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      const recorded = await servers[0].gql(RECORD, { input: statementInput({ id }) });
      expect(recorded.errors).toBeUndefined();
    }

    const succeeded = new Map<string, string[]>(ids.map((id) => [id, []]));
    const refused: string[] = [];
    const client = async (server: ServerProcess, clientNo: number) => {
      for (let attempt = 0; attempt < 12; attempt++) {
        const id = ids[(clientNo + attempt) % ids.length];
        const text = `correction by client ${clientNo}, attempt ${attempt}`;
        // half of the attempts state the version they saw (optimistic), half let the server re-decide
        let expectedVersion: number | undefined;
        if (attempt % 2 === 0) {
          const seen = (await server.gql(`{ statement(id: "${id}") { version } }`)) as Answer;
          expectedVersion = seen.data?.statement?.version;
        }
        const answer = (await server.gql(CORRECT, {
          id,
          expectedVersion,
          input: { text, reason: 'concurrency test' },
        })) as Answer;
        if (answer.errors?.length) {
          refused.push(...answer.errors.map((e) => String(e.extensions?.code)));
        } else {
          succeeded.get(id)?.push(text);
        }
      }
    };
    await Promise.all(servers.flatMap((server, s) => [client(server, s * 2), client(server, s * 2 + 1)]));

    const successes = [...succeeded.values()].reduce((n, texts) => n + texts.length, 0);
    console.log(
      `concurrent corrections: 3 processes, 6 clients, 72 attempts: ${successes} succeeded, ${refused.length} refused`,
    );
    expect(new Set(refused)).toEqual(refused.length ? new Set(['CONFLICT']) : new Set());
    expect(successes + refused.length).toBe(72);
    expect(successes).toBeGreaterThan(0);

    const store = SqliteEventStore.open(eventsFile);
    try {
      await verifyLog(store);
      for (const id of ids) {
        const corrections: string[] = [];
        let version = 0;
        for await (const event of store.readStream(statementStream(id))) {
          version++;
          if (event.type === 'StatementCorrected') {
            corrections.push((event.data as { changes: { text: string } }).changes.text);
          }
        }
        expect(version).toBe(1 + (succeeded.get(id) ?? []).length);
        expect(corrections.sort()).toEqual([...(succeeded.get(id) ?? [])].sort());
      }
    } finally {
      await store.close();
    }
  });
});
