import type { SignedTreeHead } from './tree-head.js';

/** An inclusion proof as served and as saved in a proof file (docs/AUDIT.md). */
export interface InclusionProof {
  version: 1;
  type: 'inclusion';
  treeSize: number;
  /** 0-based index of the event in log order */
  leafIndex: number;
  eventId: string;
  /** the event's log position, as a decimal string (informative: the leaf index is what is proved) */
  position: string;
  /** the leaf input: the event's stored hash, 64 lowercase hex digits (32 bytes) */
  leafInput: string;
  /** the RFC 6962 audit path, bottom-up, each 64 lowercase hex digits */
  auditPath: string[];
}

/** A consistency proof between two tree sizes (docs/AUDIT.md). */
export interface ConsistencyProof {
  version: 1;
  type: 'consistency';
  firstTreeSize: number;
  secondTreeSize: number;
  path: string[];
}

/** A file or answer that does not have the shape docs/AUDIT.md specifies; names the member and the reason. */
export class ProofFormatError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ProofFormatError';
  }
}

const HEX32 = /^[0-9a-f]{64}$/;
const BASE64_SIG = /^[A-Za-z0-9+/]{86}==$/;

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProofFormatError(what, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function size(record: Record<string, unknown>, field: string, min: number): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ProofFormatError(
      field,
      `must be an integer >= ${min}, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return value;
}

function hex(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || !HEX32.test(value)) {
    throw new ProofFormatError(field, 'must be 64 lowercase hex digits');
  }
  return value;
}

function hexList(record: Record<string, unknown>, field: string): string[] {
  const value = record[field];
  if (!Array.isArray(value)) throw new ProofFormatError(field, 'must be an array of hashes');
  if (value.length > 64) throw new ProofFormatError(field, 'holds more than 64 hashes');
  return value.map((item, i) => {
    if (typeof item !== 'string' || !HEX32.test(item)) {
      throw new ProofFormatError(`${field}.${i}`, 'must be 64 lowercase hex digits');
    }
    return item;
  });
}

function version(record: Record<string, unknown>): 1 {
  if (record.version !== 1) throw new ProofFormatError('version', 'must be 1');
  return 1;
}

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProofFormatError(what, 'is not valid JSON');
  }
}

/** Checks the shape of a tree head (not its signature: `verifyTreeHead`). */
export function parseTreeHead(value: unknown): SignedTreeHead {
  const record = object(value, 'tree head');
  version(record);
  const timestamp = size(record, 'timestamp', 0);
  const keyId = hex(record, 'keyId');
  const signature = record.signature;
  if (typeof signature !== 'string' || !BASE64_SIG.test(signature)) {
    throw new ProofFormatError('signature', 'must be the base64 of 64 bytes');
  }
  return {
    version: 1,
    treeSize: size(record, 'treeSize', 0),
    rootHash: hex(record, 'rootHash'),
    timestamp,
    keyId,
    signature,
  };
}

export type Proof = InclusionProof | ConsistencyProof;

/** Checks the shape of a proof file (inclusion or consistency). */
export function parseProof(value: unknown): Proof {
  const record = object(value, 'proof');
  version(record);
  if (record.type === 'inclusion') {
    const treeSize = size(record, 'treeSize', 1);
    const leafIndex = size(record, 'leafIndex', 0);
    if (leafIndex >= treeSize) throw new ProofFormatError('leafIndex', `must be below treeSize ${treeSize}`);
    const eventId = record.eventId;
    if (typeof eventId !== 'string') throw new ProofFormatError('eventId', 'must be a string');
    const position = record.position;
    if (typeof position !== 'string' || !/^[0-9]+$/.test(position)) {
      throw new ProofFormatError('position', 'must be a decimal string');
    }
    return {
      version: 1,
      type: 'inclusion',
      treeSize,
      leafIndex,
      eventId,
      position,
      leafInput: hex(record, 'leafInput'),
      auditPath: hexList(record, 'auditPath'),
    };
  }
  if (record.type === 'consistency') {
    const firstTreeSize = size(record, 'firstTreeSize', 1);
    const secondTreeSize = size(record, 'secondTreeSize', 1);
    if (firstTreeSize > secondTreeSize) {
      throw new ProofFormatError('firstTreeSize', 'must not exceed secondTreeSize');
    }
    return { version: 1, type: 'consistency', firstTreeSize, secondTreeSize, path: hexList(record, 'path') };
  }
  throw new ProofFormatError('type', 'must be "inclusion" or "consistency"');
}
