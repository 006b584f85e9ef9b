import * as crypto from 'node:crypto';
import { canonicalJson } from '#domain';
import type { RecordedEvent } from './event-store.js';

/**
 * The one canonical JSON of the project (DESIGN §7): the exact text the hash chain hashes, and the text ids
 * are derived from. It lives in the domain (pure) so both use the same rule; re-exported here because the
 * hash documents are built with it.
 */
export { canonicalJson };

// `crypto.hash` (Node 20.12 and later) hashes a string in one call without a Hash object: the same digest,
// about half the cost for the short documents hashed per event. Older Node versions use createHash.
const oneShotHash = (crypto as Partial<Pick<typeof crypto, 'hash'>>).hash;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return oneShotHash === undefined
    ? crypto.createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex');
}

/**
 * The rules an event hash can follow, recorded per event in its metadata as `hashVersion` (hashed with the
 * rest of the metadata, so it cannot be changed without changing the hash):
 *
 * - 1 (no `hashVersion` member; events stored before version 2 existed): the canonical JSON of
 *   `{ stream, revision, type, data, metadata, prevHash }`. It does not cover the event id.
 * - 2 (`"hashVersion":2`): the same document with the event id added: `{ data, id, metadata, prevHash,
 *   revision, stream, type }` (keys in canonical order). With the stored hash and the global chain (which
 *   covers the position and the hash), every stored byte of an event is covered.
 *
 * Every event appended now follows `CURRENT_HASH_VERSION`; version 1 is only verified, never written.
 */
export type HashVersion = 1 | 2;
export const CURRENT_HASH_VERSION: HashVersion = 2;

/**
 * The hash version an event's stored metadata declares: 1 without a `hashVersion` member, 2 for
 * `hashVersion: 2`; undefined for anything else (an unknown or malformed version, which no verifier accepts).
 */
export function hashVersionOf(metadata: object): HashVersion | undefined {
  const version = (metadata as { hashVersion?: unknown }).hashVersion;
  if (version === undefined) return 1;
  return version === 2 ? 2 : undefined;
}

/**
 * The metadata an adapter stores for a new event: the caller's metadata without `hash`, `prevHash` and
 * `hashVersion` (the store sets those), with `hashVersion` = `CURRENT_HASH_VERSION` and `prevHash` the hash
 * of the stream's previous event (null for the first). Every adapter builds stored metadata with this, so
 * they all write the same rule.
 */
export function storedMetadata<M extends object>(
  metadata: M,
  prevHash: string | null,
): Omit<M, 'hash' | 'prevHash' | 'hashVersion'> & { hashVersion: HashVersion; prevHash: string | null } {
  const {
    hash: _hash,
    prevHash: _prevHash,
    hashVersion: _version,
    ...rest
  } = metadata as M & { hash?: unknown; prevHash?: unknown; hashVersion?: unknown };
  return { ...rest, hashVersion: CURRENT_HASH_VERSION, prevHash };
}

export interface EventHashInput {
  /** the event id: hashed from version 2 on */
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: object;
  /**
   * the event's metadata as stored: it carries `prevHash` and (from version 2) `hashVersion`, which picks
   * the rule; a `hash` member, if present, is left out
   */
  metadata: object;
  /** the hash of the stream's previous event; null for revision 0 */
  prevHash: string | null;
}

/**
 * The hash chain of DESIGN §7: lowercase hex sha256 of the canonical JSON of the event document of its hash
 * version (see `HashVersion`), where `metadata` is the stored metadata without `hash` (so it includes
 * `prevHash`, which therefore appears twice) and `prevHash` is the previous event's hash in the same stream,
 * null for the first. Example version-2 document (keys come out sorted):
 * `{"data":{...},"id":"…","metadata":{"causationId":"…","hashVersion":2,"prevHash":null,…},"prevHash":null,"revision":0,"stream":"…","type":"…"}`
 * Throws a TypeError for a metadata `hashVersion` it does not know.
 */
export function computeEventHash(input: EventHashInput): string {
  const { hash: _hash, ...metadata } = input.metadata as Record<string, unknown>;
  const version = hashVersionOf(metadata);
  if (version === undefined) {
    throw new TypeError(`unknown metadata.hashVersion ${JSON.stringify(metadata.hashVersion)}`);
  }
  return sha256Hex(
    canonicalJson({
      stream: input.stream,
      revision: input.revision,
      type: input.type,
      data: input.data,
      metadata,
      prevHash: input.prevHash,
      id: version === 1 ? undefined : input.id,
    }),
  );
}

/**
 * Whether a recorded event's stored hash matches its content and its own `metadata.prevHash`. It does not
 * check the link to the previous event: that is `event.metadata.prevHash === previous.metadata.hash`.
 */
export function verifyEventHash(event: RecordedEvent): boolean {
  if (hashVersionOf(event.metadata) === undefined) return false;
  return (
    computeEventHash({
      id: event.id,
      stream: event.stream,
      revision: event.revision,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      prevHash: event.metadata.prevHash,
    }) === event.metadata.hash
  );
}

/**
 * The global chain: one hash per log position that links every event to the one stored before it in the
 * log, whatever their streams. The per-stream chain cannot see two events of different streams swapped in
 * global order (each stream's own order is intact), nor a renumbered position; this one can.
 *
 * `chainHash(p) = sha256 hex of the canonical JSON of { hash, position, prevChainHash }` where `hash` is the
 * event's own hash, `position` its global position as a decimal string, and `prevChainHash` the chain hash
 * of the event stored just before it in the log (null for the first event), e.g.
 * `{"hash":"9f…","position":"2","prevChainHash":"4a…"}`. The store writes it in the same transaction as the
 * event. Like any hash chain it cannot show that events were cut off the END of the log: compare the event
 * count and the Merkle root (`communique audit verify`) with an earlier one for that.
 */
export function computeChainHash(prevChainHash: string | null, position: bigint, hash: string): string {
  // the canonical JSON of { hash, position, prevChainHash }, written out: its keys are already in order and
  // a string's canonical form is JSON.stringify's
  const prev = prevChainHash === null ? 'null' : JSON.stringify(prevChainHash);
  return sha256Hex(`{"hash":${JSON.stringify(hash)},"position":"${position}","prevChainHash":${prev}}`);
}

/**
 * `computeEventHash` for an event given as its stored texts: `data` and `metadata` must already be canonical
 * JSON (metadata without `hash`), and `version` the hash version its metadata declares. The document is
 * assembled from them as they are (its keys in canonical order: data, id (version 2), metadata, prevHash,
 * revision, stream, type), which spares re-encoding them.
 */
export function computeStoredEventHash(
  version: HashVersion,
  id: string,
  stream: string,
  revision: number,
  type: string,
  dataJson: string,
  metadataJson: string,
  prevHash: string | null,
): string {
  return sha256Hex(
    `{"data":${dataJson},${version === 1 ? '' : `"id":${canonicalJson(id)},`}"metadata":${metadataJson},` +
      `"prevHash":${canonicalJson(prevHash)},"revision":${canonicalJson(revision)},` +
      `"stream":${canonicalJson(stream)},"type":${canonicalJson(type)}}`,
  );
}
