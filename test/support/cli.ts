import { spawnSync } from 'node:child_process';
import { CLI, assertBuilt } from './server-process.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `communique` to completion with the data folder `dir` (and `env`); returns exit code and output. */
export function communique(dir: string, args: string[], env: Record<string, string> = {}): CliResult {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, COMMUNIQUE_DATA_DIR: dir, COMMUNIQUE_DEMO: 'false', NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 120000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
