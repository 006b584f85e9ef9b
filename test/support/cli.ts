import { execFile, spawnSync } from 'node:child_process';
import { assertBuilt, CLI } from './server-process.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `communique` with `args` and the given environment; resolves with exit code and output. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  assertBuilt();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NODE_OPTIONS: '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

export interface CommuniqueResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `communique` to completion with the data folder `dir` (and `env`); returns exit code and output. */
export function communique(dir: string, args: string[], env: Record<string, string> = {}): CommuniqueResult {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, COMMUNIQUE_DATA_DIR: dir, COMMUNIQUE_DEMO: 'false', NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 120000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
