import { LogVerifier, describeBroken, type StoredEvent } from './audit.js';
import { canonicalJson, computeChainHash, computeEventHash } from './hash-chain.js';
import { merkleRoot } from './merkle.js';

/** A valid log built by hand: `streams[i]` is the stream of the event at position i + 1. */
function log(streams: string[]): StoredEvent[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  let chainHash: string | null = null;
  return streams.map((stream, i) => {
    const head = heads.get(stream);
    const revision = head === undefined ? 0 : head.revision + 1;
    const prevHash = head?.hash ?? null;
    const data = { n: i, text: `event ${i}` };
    const metadata = { recordedAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, prevHash };
    const hash = computeEventHash({ stream, revision, type: 'T', data, metadata, prevHash });
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
});
