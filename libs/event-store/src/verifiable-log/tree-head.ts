import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * A signed tree head (docs/AUDIT.md): the size of the tree, its RFC 6962 root, the time it was signed (ms
 * since the Unix epoch, UTC), the id of the log key and an Ed25519 signature over `treeHeadSignatureInput`.
 */
export interface SignedTreeHead {
  version: 1;
  treeSize: number;
  /** lowercase hex, 64 digits */
  rootHash: string;
  /** milliseconds since 1970-01-01T00:00:00Z */
  timestamp: number;
  /** lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo */
  keyId: string;
  /** base64 (RFC 4648 §4, padded) of the 64 signature bytes */
  signature: string;
}

/**
 * The 50 bytes that are signed: RFC 6962 §3.5's TreeHeadSignature, `version` v1 (0), `signature_type`
 * tree_hash (1), `timestamp` and `tree_size` as unsigned 64-bit big-endian integers, the 32 root bytes.
 */
export function treeHeadSignatureInput(treeSize: number, timestamp: number, rootHash: string): Buffer {
  const bytes = Buffer.alloc(50);
  bytes[0] = 0;
  bytes[1] = 1;
  bytes.writeBigUInt64BE(BigInt(timestamp), 2);
  bytes.writeBigUInt64BE(BigInt(treeSize), 10);
  Buffer.from(rootHash, 'hex').copy(bytes, 18);
  return bytes;
}

/** The public half of the log key, as `/.well-known/communique-log-key` serves it. */
export interface LogPublicKey {
  algorithm: 'Ed25519';
  keyId: string;
  /** base64 of the DER SubjectPublicKeyInfo */
  publicKey: string;
  /** the same key as PEM */
  publicKeyPem: string;
}

export function describePublicKey(key: KeyObject): LogPublicKey {
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    algorithm: 'Ed25519',
    keyId: createHash('sha256').update(der).digest('hex'),
    publicKey: der.toString('base64'),
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A new Ed25519 log key: the private key as PKCS #8 PEM (to keep secret) and its public description. */
export function createLogKey(): { privateKeyPem: string; publicKey: LogPublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: describePublicKey(publicKey),
  };
}

export class LogKeyError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LogKeyError';
  }
}

/** Signs tree heads with the log's private key. */
export class TreeHeadSigner {
  readonly publicKey: LogPublicKey;
  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = describePublicKey(createPublicKey(privateKey));
  }

  static fromPem(pem: string): TreeHeadSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new LogKeyError(`the log key is not a PEM private key: ${(error as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new LogKeyError(`the log key must be Ed25519, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
    }
    return new TreeHeadSigner(key);
  }

  sign(treeSize: number, rootHash: string, timestamp: number): SignedTreeHead {
    const signature = sign(null, treeHeadSignatureInput(treeSize, timestamp, rootHash), this.privateKey);
    return {
      version: 1,
      treeSize,
      rootHash,
      timestamp,
      keyId: this.publicKey.keyId,
      signature: signature.toString('base64'),
    };
  }
}

/**
 * Reads a public log key given as PEM (SPKI) or as the JSON of `/.well-known/communique-log-key`;
 * throws a LogKeyError saying what is wrong.
 */
export function parsePublicKey(text: string): KeyObject {
  let pem = text;
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LogKeyError('the key file is neither PEM nor valid JSON');
    }
    const member = (parsed as { publicKeyPem?: unknown } | null)?.publicKeyPem;
    if (typeof member !== 'string') throw new LogKeyError('the key JSON has no publicKeyPem string');
    pem = member;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new LogKeyError(`the key is not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LogKeyError(`the key must be Ed25519, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  }
  return key;
}

/** Whether a tree head's signature is valid under `key` and made by it (keyId). */
export function verifyTreeHead(head: SignedTreeHead, key: KeyObject): boolean {
  if (head.keyId !== describePublicKey(key).keyId) return false;
  const signature = Buffer.from(head.signature, 'base64');
  if (signature.length !== 64 || signature.toString('base64') !== head.signature) return false;
  return verify(null, treeHeadSignatureInput(head.treeSize, head.timestamp, head.rootHash), key, signature);
}
