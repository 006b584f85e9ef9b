import type { Position } from './event-store.js';
import {
  canonicalJson,
  computeChainHash,
  computeEventHash,
  computeStoredEventHash,
  hashVersionOf,
  type HashVersion,
} from './hash-chain.js';
import { MerkleTree } from './merkle.js';

/**
 * One event exactly as stored: `data` and `metadata` are the stored canonical JSON texts (metadata without
 * `hash`, with `prevHash`), `hash` the stored event hash and `chainHash` the stored global chain hash (null
 * where a source has none). The NDJSON export writes these fields, with `data` and `metadata` as JSON.
 */
export interface StoredEvent {
  id: string;
  stream: string;
  revision: number;
  position: Position;
  type: string;
  data: string;
  metadata: string;
  hash: string;
  chainHash: string | null;
  /**
   * the store's derived `recorded_at` column where it keeps one (SQLite): `metadata.recordedAt` as ISO-8601
   * UTC, clamped to be non-decreasing in position. Not exported; checked by the verifier when present.
   */
  recordedAt?: string;
}

/** The first event that does not check out, and why. */
export interface BrokenEvent {
  position: Position;
  stream: string;
  revision: number;
  eventId: string;
  reason: string;
}

export interface VerifyReport {
  eventCount: number;
  /** RFC 6962 Merkle tree hash over every event hash in global order (hex) */
  merkleRoot: string;
  /** the global chain hash of the last event (null for an empty log) */
  headChainHash: string | null;
  headPosition: Position;
  /** the first broken event in global order, if any */
  broken?: BrokenEvent;
  /** how many events were checked under each hash rule (hash-chain.ts `HashVersion`) */
  hashVersions: Record<HashVersion, number>;
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * Checks a log event by event in global order, in memory proportional to the number of streams:
 *
 * - each event's stored `data` and `metadata` are canonical JSON and re-hash to its stored `hash`;
 * - each stream's revisions run 0, 1, 2, ... without gaps and each `metadata.prevHash` is the hash of the
 *   stream's previous event (null at revision 0);
 * - positions strictly increase and each stored global chain hash matches `computeChainHash` of the previous
 *   one, so a deleted event, a changed position or two events swapped in global order (of the same stream or
 *   not) break the chain at the first event that moved;
 * - every event hash goes into the Merkle tree.
 *
 * The first problem is kept (`report().broken`); checking goes on so the count and root cover the whole log.
 */
export class LogVerifier {
  private readonly streams = new Map<string, { revision: number; hash: string }>();
  private readonly tree = new MerkleTree();
  private prevChainHash: string | null = null;
  private lastPosition: Position = 0n;
  private first: BrokenEvent | undefined;
  private readonly versions: Record<HashVersion, number> = { 1: 0, 2: 0 };
  private recordedFloor = '';

  /** Checks the next event of the log; returns what is wrong with it, if anything. */
  check(event: StoredEvent): BrokenEvent | undefined {
    const reason = this.reasonAgainst(event);
    const broken = reason === undefined ? undefined : brokenEvent(event, reason);
    this.first ??= broken;
    return broken;
  }

  get eventCount(): number {
    return this.tree.size;
  }

  report(): VerifyReport {
    return {
      eventCount: this.tree.size,
      merkleRoot: this.tree.root(),
      headChainHash: this.prevChainHash,
      headPosition: this.lastPosition,
      broken: this.first,
      hashVersions: { ...this.versions },
    };
  }

  private highestVersion: HashVersion = 1;

  private checkRecordedAt(stored: string, recordedAt: unknown, problems: string[]): void {
    const expected = expectedRecordedAt(this.recordedFloor, recordedAt);
    if (expected === undefined) {
      problems.push('metadata.recordedAt is not an ISO-8601 instant');
    } else if (stored !== expected) {
      problems.push(
        `the stored recorded_at ${JSON.stringify(stored)} is not ${expected} (derived from metadata)`,
      );
    }
    if (expected !== undefined) this.recordedFloor = expected;
  }

  private reasonAgainst(event: StoredEvent): string | undefined {
    const problems: string[] = [];
    const validHash = HEX_HASH.test(event.hash);
    this.tree.add(Buffer.from(validHash ? event.hash : '', 'hex'));

    if (event.position <= this.lastPosition) {
      problems.push(`position ${event.position} does not follow position ${this.lastPosition}`);
    }
    const chainHash = computeChainHash(this.prevChainHash, event.position, event.hash);
    if (event.chainHash !== null && event.chainHash !== chainHash) {
      problems.push(
        'the global chain is broken: this event is not the one stored after the previous event of the log ' +
          '(an event before it was deleted or moved, or its position or hash was changed)',
      );
    }
    this.prevChainHash = chainHash;
    this.lastPosition = event.position;

    const previous = this.streams.get(event.stream);
    const expectedRevision = previous === undefined ? 0 : previous.revision + 1;
    this.streams.set(event.stream, { revision: event.revision, hash: event.hash });
    if (event.revision !== expectedRevision) {
      problems.push(
        `stream revision ${event.revision} where ${expectedRevision} was expected (an event of the stream is ` +
          'missing, duplicated or out of order)',
      );
    }

    if (!validHash) problems.push('the stored hash is not 64 lowercase hex digits');
    // The stored texts are hashed exactly as stored: any changed byte changes the hash. Only metadata is
    // parsed on the way (for prevHash); the slower canonical-form checks run only to explain a mismatch.
    let metadata: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(event.metadata);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        metadata = parsed as Record<string, unknown>;
      }
    } catch {
      // explained below
    }
    const prevHash = metadata?.prevHash;
    if (metadata === undefined || (prevHash !== null && typeof prevHash !== 'string')) {
      parseCanonical(event.metadata, 'metadata', problems);
      if (metadata !== undefined) problems.push('metadata.prevHash is missing or not a string');
      return problems.join('; ');
    }
    const version = hashVersionOf(metadata);
    if (version === undefined) {
      problems.push(
        `metadata.hashVersion ${JSON.stringify(metadata.hashVersion)} is not a known hash version`,
      );
      return problems.join('; ');
    }
    this.versions[version] += 1;
    if (version < this.highestVersion) {
      problems.push(
        `hash version ${version} after an event of version ${this.highestVersion}: the store writes only the ` +
          'current version, so this event was rewritten',
      );
    }
    this.highestVersion = Math.max(this.highestVersion, version) as HashVersion;
    if (event.recordedAt !== undefined) this.checkRecordedAt(event.recordedAt, metadata.recordedAt, problems);
    const expectedPrev = previous?.hash ?? null;
    if (event.revision === expectedRevision && prevHash !== expectedPrev) {
      problems.push(
        `metadata.prevHash does not link to the stream's previous event (expected ${expectedPrev ?? 'null'})`,
      );
    }
    const recomputed = computeStoredEventHash(
      version,
      event.id,
      event.stream,
      event.revision,
      event.type,
      event.data,
      event.metadata,
      prevHash,
    );
    if (recomputed !== event.hash) {
      const before = problems.length;
      const data = parseCanonical(event.data, 'data', problems);
      parseCanonical(event.metadata, 'metadata', problems);
      if ('hash' in metadata) problems.push('the stored metadata carries a hash member');
      if (problems.length === before && data !== undefined) {
        const reencoded = computeEventHash({
          id: event.id,
          stream: event.stream,
          revision: event.revision,
          type: event.type,
          data,
          metadata,
          prevHash,
        });
        problems.push(`the content does not match its hash (recomputed ${reencoded})`);
      } else {
        problems.push('the content does not match its hash');
      }
    }
    return problems.length === 0 ? undefined : problems.join('; ');
  }
}

/**
 * The stored `recorded_at` must be what the store derives from the metadata: `recordedAt` as ISO-8601 UTC,
 * raised to the highest value stored before it (so it never decreases along the log).
 */
function expectedRecordedAt(floor: string, recordedAt: unknown): string | undefined {
  const millis = typeof recordedAt === 'string' ? Date.parse(recordedAt) : Number.NaN;
  if (Number.isNaN(millis)) return undefined;
  const iso = new Date(millis).toISOString();
  return iso > floor ? iso : floor;
}

/** Verifies a whole log read in global order; `onEvent` sees the running count (for progress displays). */
export async function verifyLog(
  events: AsyncIterable<StoredEvent> | Iterable<StoredEvent>,
  onEvent?: (count: number) => void,
): Promise<VerifyReport> {
  const verifier = new LogVerifier();
  for await (const event of events) {
    verifier.check(event);
    onEvent?.(verifier.eventCount);
  }
  return verifier.report();
}

function parseCanonical(text: string, what: string, problems: string[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push(`the stored ${what} is not valid JSON`);
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`the stored ${what} is not a JSON object`);
    return undefined;
  }
  if (canonicalJson(value) !== text) {
    problems.push(`the stored ${what} is not in canonical form (its bytes were changed)`);
  }
  return value as Record<string, unknown>;
}

function brokenEvent(event: StoredEvent, reason: string): BrokenEvent {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    eventId: event.id,
    reason,
  };
}

/** One line naming a broken event, for command-line output. */
export function describeBroken(broken: BrokenEvent): string {
  return (
    `broken at position ${broken.position}: stream ${broken.stream}, revision ${broken.revision} ` +
    `(event ${broken.eventId}): ${broken.reason}`
  );
}
