import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The compiled command line: tests that run the service as a real process use the build (`npm run build`). */
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/** Polls `condition` until it holds or the deadline passes. */
export async function eventually<T>(
  condition: () => Promise<T | undefined>,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined) return value;
    } catch {
      // not yet: try again until the deadline
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `communique serve` as a child process on a free port. */
export class ServerProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(env: Record<string, string>): Promise<ServerProcess> {
    assertBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        ...process.env,
        COMMUNIQUE_DEMO: 'false',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited early: ${server.output}`);
        const response = await fetch(`${server.url}/health`);
        return response.ok ? true : undefined;
      },
      // a wait, not a timed assertion: start-up on a loaded 2-core machine can take tens of seconds
      55000,
      'the server to answer /health',
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n${server.output}`);
    });
    return server;
  }

  async gql<T>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data?: T; errors?: unknown[] }> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: T; errors?: unknown[] };
  }

  /** Ends the process with the given signal and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill(signal);
    await exited;
  }

  get log(): string {
    return this.output;
  }
}
