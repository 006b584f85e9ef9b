import { execFile } from 'node:child_process';
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
