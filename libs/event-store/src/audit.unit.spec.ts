import { LogVerifier, describeBroken, type StoredEvent } from './audit.js';
import { canonicalJson, computeChainHash, computeEventHash } from './hash-chain.js';
import { merkleRoot } from './merkle.js';

/** A valid log built by hand: `streams[i]` is the stream of the event at position i + 1. */
function log(streams: string[], versions: (1 | 2)[] = []): StoredEvent[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  let chainHash: string | null = null;
  return streams.map((stream, i) => {
    const head = heads.get(stream);
    const revision = head === undefined ? 0 : head.revision + 1;
    const prevHash = head?.hash ?? null;
    const data = { n: i, text: `event ${i}` };
    const metadata = {
      recordedAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
      ...((versions[i] ?? 2) === 2 ? { hashVersion: 2 } : {}),
      prevHash,
    };
    const hash = computeEventHash({ id: `e${i}`, stream, revision, type: 'T', data, metadata, prevHash });
    const position = BigInt(i + 1);
    chainHash = computeChainHash(chainHash, position, hash);
    heads.set(stream, { revision, hash });
    return {
      id: `e${i}`,
      stream,
      revision,
      position,
      type: 'T',
      data: canonicalJson(data),
      metadata: canonicalJson(metadata),
      hash,
      chainHash,
    };
  });
}

const check = (events: StoredEvent[]) => {
  const verifier = new LogVerifier();
  for (const event of events) verifier.check(event);
  return verifier.report();
};

describe('LogVerifier', () => {
  it('accepts a valid log and reports its count, head and Merkle root', () => {
    const events = log(['a', 'b', 'a', 'c', 'b']);
    const report = check(events);
    expect(report.broken).toBeUndefined();
    expect(report.eventCount).toBe(5);
    expect(report.headPosition).toBe(5n);
    expect(report.headChainHash).toBe(events[4].chainHash);
    expect(report.merkleRoot).toBe(merkleRoot(events.map((e) => e.hash)));
  });

  it('names a byte change that leaves valid JSON but not canonical JSON (added whitespace)', () => {
    const events = log(['a', 'b', 'a']);
    events[1] = { ...events[1], data: events[1].data.replace(',', ', ') };
    const broken = check(events).broken;
    expect(broken).toMatchObject({ position: 2n, stream: 'b', revision: 0 });
    expect(broken?.reason).toContain('the stored data is not in canonical form');
    expect(describeBroken(broken!)).toMatch(/^broken at position 2: stream b, revision 0 \(event e1\): /);
  });

  it('names data that is no longer JSON, and metadata whose prevHash was changed', () => {
    const bad = log(['a', 'a']);
    bad[0] = { ...bad[0], data: bad[0].data.slice(0, -1) };
    expect(check(bad).broken?.reason).toContain('the stored data is not valid JSON');
    const relinked = log(['a', 'a']);
    relinked[1] = {
      ...relinked[1],
      metadata: relinked[1].metadata.replace(/"prevHash":"[0-9a-f]+"/, '"prevHash":null'),
    };
    expect(check(relinked).broken?.reason).toContain("does not link to the stream's previous event");
  });

  it('without stored chain hashes (another tool) still catches a gap in a stream', () => {
    const events = log(['a', 'a', 'a']).map((e) => ({ ...e, chainHash: null }));
    const report = check([events[0], events[2]]);
    expect(report.broken).toMatchObject({ position: 3n, revision: 2 });
    expect(report.broken?.reason).toContain('stream revision 2 where 1 was expected');
  });

  it('keeps the first problem and goes on counting', () => {
    const events = log(['a', 'b', 'c', 'd']);
    events[1] = { ...events[1], hash: 'f'.repeat(64) };
    const report = check(events);
    expect(report.broken?.position).toBe(2n);
    expect(report.eventCount).toBe(4);
  });

  it('counts the events checked under each hash rule; a version-1 log (no id hashed) still verifies', () => {
    const mixed = check(log(['a', 'b', 'a', 'b'], [1, 1, 2, 2]));
    expect(mixed.broken).toBeUndefined();
    expect(mixed.hashVersions).toEqual({ 1: 2, 2: 2 });
    const old = log(['a', 'b'], [1, 1]);
    old[0] = { ...old[0], id: 'changed' }; // version 1 does not cover the id: the old rule, stated as such
    expect(check(old)).toMatchObject({ broken: undefined, hashVersions: { 1: 2, 2: 0 } });
  });

  it('names an event whose id was changed under version 2', () => {
    const events = log(['a', 'b']);
    events[1] = { ...events[1], id: 'E1' };
    expect(check(events).broken).toMatchObject({ eventId: 'E1', position: 2n });
    expect(check(events).broken?.reason).toContain('the content does not match its hash');
  });

  it('refuses a version-1 event after a version-2 one, and an unknown version', () => {
    const downgraded = check(log(['a', 'b'], [2, 1]));
    expect(downgraded.broken).toMatchObject({ position: 2n });
    expect(downgraded.broken?.reason).toContain('hash version 1 after an event of version 2');
    const unknown = log(['a']);
    unknown[0] = {
      ...unknown[0],
      metadata: unknown[0].metadata.replace('"hashVersion":2', '"hashVersion":3'),
    };
    expect(check(unknown).broken?.reason).toContain('metadata.hashVersion 3 is not a known hash version');
  });

  it('checks a stored recorded_at against the metadata when the store keeps one', () => {
    const events = log(['a', 'b', 'c']).map((e) => ({ ...e, recordedAt: '2026-01-01T00:00:00.000Z' }));
    expect(check(events).broken).toBeUndefined();
    events[2] = { ...events[2], recordedAt: '2026-01-01T00:00:00.001Z' };
    expect(check(events).broken).toMatchObject({ position: 3n });
    expect(check(events).broken?.reason).toContain('recorded_at');
  });
});
