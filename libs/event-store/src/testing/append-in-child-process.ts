import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventToAppend, ExpectedRevision } from '../event-store.js';

const SCRIPT = fileURLToPath(new URL('./append-in-child.mjs', import.meta.url));

export interface ChildAppendOptions {
  expectedRevision?: ExpectedRevision;
  /** one append (one transaction) per event instead of one batch */
  oneByOne?: boolean;
}

/**
 * Appends `events` to `stream` in the SQLite event store `file` from a separate Node process running the real
 * SqliteEventStore. Resolves with the last append's result once the child has exited; rejects with the
 * child's stderr if it fails.
 */
export function appendInChildProcess(
  file: string,
  stream: string,
  events: EventToAppend[],
  options: ChildAppendOptions = {},
): Promise<{ nextRevision: number; position: bigint }> {
  const request = JSON.stringify({
    file,
    stream,
    events,
    expectedRevision: options.expectedRevision ?? 'any',
    oneByOne: options.oneByOne ?? false,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.stdin.end(request);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`append in child process exited with ${code}: ${stderr}`));
      const result = JSON.parse(stdout) as { nextRevision: number; position: string };
      resolve({ nextRevision: result.nextRevision, position: BigInt(result.position) });
    });
  });
}
