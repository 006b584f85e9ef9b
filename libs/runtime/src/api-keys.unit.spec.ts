import { createHash } from 'node:crypto';
import {
  ApiKeyConfigError,
  bearerKey,
  createApiKey,
  findPrincipal,
  parseApiKeys,
  roleIncludes,
} from './api-keys.js';

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('API keys', () => {
  it('parses plain and hashed entries; a key is found by its hash, whichever form configured it', () => {
    const entries = parseApiKeys(
      ` alice:editor:alice-key-0123456789 , bob:auditor:sha256:${hex('bob-key-0123456789ab')}`,
    );
    expect(entries.map((e) => [e.name, e.role])).toEqual([
      ['alice', 'editor'],
      ['bob', 'auditor'],
    ]);
    expect(findPrincipal(entries, 'alice-key-0123456789')).toEqual({ name: 'alice', role: 'editor' });
    expect(findPrincipal(entries, 'bob-key-0123456789ab')).toEqual({ name: 'bob', role: 'auditor' });
    expect(findPrincipal(entries, 'alice-key-012345678')).toBeUndefined();
    expect(findPrincipal(entries, `sha256:${hex('bob-key-0123456789ab')}`)).toBeUndefined();
  });

  it('a key may contain colons (everything after the role is the key)', () => {
    const entries = parseApiKeys('carol:reader:with:colons:in:the:key');
    expect(findPrincipal(entries, 'with:colons:in:the:key')).toEqual({ name: 'carol', role: 'reader' });
  });

  it.each([
    ['alice:editor', /entry 1: expected name:role:key/],
    [
      'alice:boss:0123456789abcdef0123',
      /entry 1 \(alice\): role must be one of reader, editor, auditor, admin/,
    ],
    ['a b:editor:0123456789abcdef0123', /entry 1: the name must be/],
    ['alice:editor:short', /at least 16 characters/],
    ['alice:editor:sha256:abc', /64 hexadecimal digits/],
    [
      'alice:editor:0123456789abcdef0123,alice:reader:fedcba9876543210fedc',
      /entry 2: the name alice is used twice/,
    ],
  ])('refuses %s with a clear reason that never repeats the key', (raw, reason) => {
    expect(() => parseApiKeys(raw)).toThrow(ApiKeyConfigError);
    expect(() => parseApiKeys(raw)).toThrow(reason);
    try {
      parseApiKeys(raw);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/0123456789abcdef0123|short/);
    }
  });

  it('no variable means no keys', () => {
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys('  ')).toEqual([]);
  });

  it('roles are ordered reader < editor < auditor < admin, each including those below', () => {
    expect(roleIncludes('editor', 'reader')).toBe(true);
    expect(roleIncludes('auditor', 'editor')).toBe(true);
    expect(roleIncludes('admin', 'auditor')).toBe(true);
    expect(roleIncludes('editor', 'auditor')).toBe(false);
    expect(roleIncludes('reader', 'editor')).toBe(false);
  });

  it('reads "Authorization: Bearer <key>" and tells a missing header from a malformed one', () => {
    expect(bearerKey('Bearer abc')).toBe('abc');
    expect(bearerKey('bearer  abc ')).toBe('abc');
    expect(bearerKey(undefined)).toBeUndefined();
    expect(bearerKey('')).toBeUndefined();
    expect(bearerKey('Basic abc')).toBeNull();
    expect(bearerKey('Bearer a b')).toBeNull();
  });

  it('creates a random key whose hashed entry configures it', () => {
    const first = createApiKey('dora', 'admin');
    const second = createApiKey('dora', 'admin');
    expect(first.key).not.toBe(second.key);
    expect(first.key.length).toBeGreaterThanOrEqual(40);
    expect(first.entry).toBe(`dora:admin:sha256:${hex(first.key)}`);
    expect(first.entry).not.toContain(first.key);
    expect(findPrincipal(parseApiKeys(first.entry), first.key)).toEqual({ name: 'dora', role: 'admin' });
  });
});
