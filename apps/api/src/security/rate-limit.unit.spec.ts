import { TokenBuckets } from './rate-limit.js';

describe('token buckets', () => {
  it('lets a burst through, then refuses with the seconds until a token is back, and refills over time', () => {
    let now = 0;
    const buckets = new TokenBuckets({ burst: 3, perSecond: 2 }, () => now);
    expect([1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(1);
    expect(buckets.take('b')).toBe(0); // another client has its own bucket
    now += 500; // one token back
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    now += 10_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([0, 0, 0, 1]);
  });

  it('a batch takes one token per operation', () => {
    const buckets = new TokenBuckets({ burst: 5, perSecond: 1 }, () => 0);
    expect(buckets.take('a', 4)).toBe(0);
    expect(buckets.take('a', 2)).toBe(1);
    expect(buckets.take('a', 1)).toBe(0);
  });

  it('burst 0 turns limiting off', () => {
    const buckets = new TokenBuckets({ burst: 0, perSecond: 1 }, () => 0);
    for (let i = 0; i < 100; i++) expect(buckets.take('a')).toBe(0);
  });
});
