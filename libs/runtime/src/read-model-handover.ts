import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The file handshake between `communique rebuild` and a running API that serves the same read-model file
 * (`<read model>` below is COMMUNIQUE_READ_MODEL_FILE). Both apps speak it; neither imports the other, so the
 * protocol lives here:
 *
 * - `<read model>.api`: the API process's pid, written at start-up and removed at shutdown. A rebuild hands
 *   its file over only when this names a live process; otherwise it swaps the files itself.
 * - `<read model>.swap-request`: `{"file": "<read model>.rebuild-<n>"}`, written (atomically) by the rebuild
 *   once its file is complete, compared and durable.
 * - `<read model>.swap-result`: `{"ok": true, "position": "…"}` or `{"ok": false, "error": "…"}`, written by
 *   the API when it has put the file into service (or refused it).
 */
export function handoverFiles(readModelFile: string): { presence: string; request: string; result: string } {
  return {
    presence: `${readModelFile}.api`,
    request: `${readModelFile}.swap-request`,
    result: `${readModelFile}.swap-result`,
  };
}

/** The pid of the API serving `readModelFile`, if one is running. */
export function runningApiPid(readModelFile: string): number | undefined {
  const { presence } = handoverFiles(readModelFile);
  let pid: number;
  try {
    pid = (JSON.parse(readFileSync(presence, 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Writes `content` to `file` so that a reader sees either nothing or all of it. */
export function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
