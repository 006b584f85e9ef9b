import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys and roles. Roles are ordered: each includes every role before it, so an auditor may also edit
 * and an admin may do everything (reader < editor < auditor < admin).
 */
export const ROLES = ['reader', 'editor', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Whether `held` grants what `required` asks for. */
export const roleIncludes = (held: Role, required: Role): boolean =>
  ROLES.indexOf(held) >= ROLES.indexOf(required);

/** One configured key: its name (recorded as `recordedBy`), role and the SHA-256 of the key. */
export interface ApiKeyEntry {
  name: string;
  role: Role;
  sha256: Buffer;
}

/** Who a request is from. */
export interface Principal {
  name: string;
  role: Role;
}

export class ApiKeyConfigError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ApiKeyConfigError';
  }
}

const NAME = /^[A-Za-z0-9][\w.@-]{0,63}$/;
export const isKeyName = (name: string): boolean => NAME.test(name);
export const KEY_NAME_RULE =
  'the name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/** Keys shorter than this are refused: a key must not be guessable. */
export const MIN_KEY_LENGTH = 16;

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Parses `COMMUNIQUE_API_KEYS`: comma-separated `name:role:key` or `name:role:sha256:<64 hex>` entries.
 * Names must be unique (they are what events record); the error never repeats a key.
 */
export function parseApiKeys(raw: string | undefined): ApiKeyEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  const entries: ApiKeyEntry[] = [];
  raw.split(',').forEach((part, index) => {
    const entry = part.trim();
    if (entry === '') return;
    const where = `entry ${index + 1}`;
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (second < 0) throw new ApiKeyConfigError(`${where}: expected name:role:key or name:role:sha256:<hex>`);
    const name = entry.slice(0, first);
    const role = entry.slice(first + 1, second);
    const secret = entry.slice(second + 1);
    if (!NAME.test(name)) {
      throw new ApiKeyConfigError(
        `${where}: the name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)`,
      );
    }
    if (!isRole(role))
      throw new ApiKeyConfigError(`${where} (${name}): role must be one of ${ROLES.join(', ')}`);
    let digest: Buffer;
    if (secret.startsWith('sha256:')) {
      const hex = secret.slice('sha256:'.length);
      if (!HEX_SHA256.test(hex)) {
        throw new ApiKeyConfigError(`${where} (${name}): sha256: must be followed by 64 hexadecimal digits`);
      }
      digest = Buffer.from(hex, 'hex');
    } else {
      if (secret.length < MIN_KEY_LENGTH) {
        throw new ApiKeyConfigError(
          `${where} (${name}): the key must be at least ${MIN_KEY_LENGTH} characters`,
        );
      }
      digest = sha256(secret);
    }
    if (entries.some((e) => e.name === name))
      throw new ApiKeyConfigError(`${where}: the name ${name} is used twice`);
    entries.push({ name, role, sha256: digest });
  });
  return entries;
}

/**
 * The principal whose key hashes to the SHA-256 of `presented`, or undefined. Every entry is compared, in
 * constant time, so the answer's timing says nothing about which entry (or how much of one) matched.
 */
export function findPrincipal(entries: readonly ApiKeyEntry[], presented: string): Principal | undefined {
  const digest = sha256(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.sha256, digest) && found === undefined) found = entry;
  }
  return found && { name: found.name, role: found.role };
}

/** The key of an `Authorization: Bearer <key>` header; undefined when there is none, null when malformed. */
export function bearerKey(header: string | string[] | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const match = /^Bearer +(\S+)\s*$/i.exec(value);
  return match ? match[1] : null;
}

/** A new random key (256 bits, base64url) and the hashed entry to put in `COMMUNIQUE_API_KEYS`. */
export function createApiKey(name: string, role: Role): { key: string; entry: string } {
  if (!NAME.test(name)) {
    throw new ApiKeyConfigError(
      'the name must be 1-64 letters, digits or . _ @ - (starting with a letter or digit)',
    );
  }
  const key = `cq_${randomBytes(32).toString('base64url')}`;
  return { key, entry: `${name}:${role}:sha256:${sha256(key).toString('hex')}` };
}
