/**
 * The API key the user pasted: kept in sessionStorage (this tab only, gone when it closes), sent as
 * `Authorization: Bearer <key>` (docs/SECURITY.md). Never in the URL, never in localStorage.
 */
const KEY = 'communique.apiKey';

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage refused (privacy mode): the app still works without a key
  }
}

export function storeKey(key: string | undefined): void {
  const trimmed = key?.trim();
  if (trimmed) sessionStorage.setItem(KEY, trimmed);
  else sessionStorage.removeItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}
