import { retryWithBackoff } from './retry.js';

describe('retryWithBackoff', () => {
  it('retries a failing task with doubling, bounded delays until it succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 6) throw new Error(`unavailable ${calls}`);
      },
      (error, attempt, delay) => {
        expect(error).toEqual(new Error(`unavailable ${attempt}`));
        delays.push(delay);
      },
      1,
      4,
    );
    expect(calls).toBe(6);
    expect(delays).toEqual([1, 2, 4, 4, 4]);
  });
});
