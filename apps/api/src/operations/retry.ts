/**
 * Runs `task` until it succeeds, waiting `initialMs`, then twice as long each time up to `maxMs`, between
 * attempts. For start-up work that needs a store which may not answer yet (a replica starting before its
 * cluster). The waits do not keep the process alive.
 */
export async function retryWithBackoff(
  task: () => Promise<void>,
  onError: (error: unknown, attempt: number, delayMs: number) => void,
  initialMs = 500,
  maxMs = 30_000,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await task();
      return;
    } catch (error) {
      const delay = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      onError(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
}
