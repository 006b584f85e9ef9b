import { createHash } from 'node:crypto';

/**
 * The namespace of every id the importers derive (a fixed random UUID chosen for this project). Changing it
 * would give every imported record a new id, so re-imports would no longer be recognised: never change it.
 */
export const IMPORT_NAMESPACE = '5b0f7d8e-3c1a-4e62-9a57-2f4d8c6b1e90';

/** A name-based UUID, version 5 (RFC 9562: SHA-1 of namespace and name), lower case. */
export function uuidV5(name: string, namespace = IMPORT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`namespace must be a UUID, got ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The statement id of a source record: `uuidV5("<source>:<record id>")`, e.g. `gdelt:479491239`. */
export const recordId = (source: string, id: string): string => uuidV5(`${source}:${id}`);
