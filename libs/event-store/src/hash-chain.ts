import * as crypto from 'node:crypto';
import type { RecordedEvent } from './event-store.js';

/**
 * Canonical JSON: the exact text the hash chain hashes. To recompute it without this code:
 *
 * - `null`, `true`, `false` as themselves.
 * - A string as JSON.stringify (ES2019+) writes it: wrapped in `"`; `"` and `\` escaped with a backslash;
 *   U+0008, U+0009, U+000A, U+000C, U+000D as `\b \t \n \f \r`; other code points below U+0020 and lone
 *   surrogates as `\u` + 4 lowercase hex digits; every other character literally (no `\u` escaping of
 *   non-ASCII, no escaping of `/`).
 * - A number as JSON.stringify writes it (ECMAScript Number::toString: shortest round-trip digits, `1e+21`
 *   style exponents from 1e21 up and below 1e-6, `-0` as `0`). NaN and ±Infinity are rejected.
 * - An array as `[` + its elements in order, joined by `,` + `]`; an `undefined` element is written `null`
 *   (as JSON.stringify does).
 * - An object (plain objects only) as `{` + its members joined by `,` + `}`, each member `"key":value` with the
 *   key written as a string above. Members whose value is `undefined` are dropped. Members are sorted by key,
 *   comparing keys as strings by UTF-16 code units (JavaScript's default sort; in Python
 *   `sorted(keys, key=lambda k: k.encode('utf-16-be'))`), so `"10"` sorts before `"2"`.
 * - No whitespace anywhere. Anything else (bigint, function, symbol, Date, Map, class instances) is rejected.
 *
 * Hashes are taken over the UTF-8 bytes of this text.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, []);
  if (text === undefined) throw new TypeError('canonicalJson: the value is undefined');
  return text;
}

/**
 * The path to the value being written, as keys and indexes: kept as a stack and turned into text
 * (`$.a.b[2]`) only for an error message, so writing a value allocates nothing for its path.
 */
type Path = (string | number)[];

const pathText = (path: Path): string =>
  path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : `${text}.${step}`),
    '$',
  );

function write(value: unknown, path: Path): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: non-finite number at ${pathText(path)}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          text += (i === 0 ? '' : ',') + (write(value[i], path) ?? 'null');
          path.pop();
        }
        return `${text}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: not a plain object at ${pathText(path)}`);
      }
      const record = value as Record<string, unknown>;
      let text = '{';
      for (const key of Object.keys(record).sort()) {
        path.push(key);
        const member = write(record[key], path);
        path.pop();
        if (member !== undefined) text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${member}`;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value} at ${pathText(path)}`);
  }
}

// `crypto.hash` (Node 20.12 and later) hashes a string in one call without a Hash object: the same digest,
// about half the cost for the short documents hashed per event. Older Node versions use createHash.
const oneShotHash = (crypto as Partial<Pick<typeof crypto, 'hash'>>).hash;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return oneShotHash === undefined
    ? crypto.createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex');
}

export interface EventHashInput {
  stream: string;
  revision: number;
  type: string;
  data: object;
  /** the event's metadata as stored: it carries `prevHash`; a `hash` member, if present, is left out */
  metadata: object;
  /** the hash of the stream's previous event; null for revision 0 */
  prevHash: string | null;
}

/**
 * The hash chain of DESIGN §7: lowercase hex sha256 of the canonical JSON of
 * `{ stream, revision, type, data, metadata, prevHash }`, where `metadata` is the stored metadata without
 * `hash` (so it includes `prevHash`, which therefore appears twice) and `prevHash` is the previous event's
 * hash in the same stream, null for the first. Example document (keys come out sorted):
 * `{"data":{...},"metadata":{"causationId":"…","prevHash":null,…},"prevHash":null,"revision":0,"stream":"…","type":"…"}`
 */
export function computeEventHash(input: EventHashInput): string {
  const { hash: _hash, ...metadata } = input.metadata as Record<string, unknown>;
  return sha256Hex(
    canonicalJson({
      stream: input.stream,
      revision: input.revision,
      type: input.type,
      data: input.data,
      metadata,
      prevHash: input.prevHash,
    }),
  );
}

/**
 * Whether a recorded event's stored hash matches its content and its own `metadata.prevHash`. It does not
 * check the link to the previous event: that is `event.metadata.prevHash === previous.metadata.hash`.
 */
export function verifyEventHash(event: RecordedEvent): boolean {
  return (
    computeEventHash({
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
 * JSON (metadata without `hash`). The document is assembled from them as they are (its keys in canonical
 * order: data, metadata, prevHash, revision, stream, type), which spares re-encoding them.
 */
export function computeStoredEventHash(
  stream: string,
  revision: number,
  type: string,
  dataJson: string,
  metadataJson: string,
  prevHash: string | null,
): string {
  return sha256Hex(
    `{"data":${dataJson},"metadata":${metadataJson},"prevHash":${canonicalJson(prevHash)},` +
      `"revision":${canonicalJson(revision)},"stream":${canonicalJson(stream)},"type":${canonicalJson(type)}}`,
  );
}
