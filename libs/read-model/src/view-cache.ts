/**
 * A bounded least-recently-used map of parsed statement views, keyed by statement id and the position the
 * row became valid at. A row of `statements` never changes once written, except for `valid_to`, which a view
 * does not carry, so a view built from (id, valid_from) stays right for as long as the file holds that row;
 * the owner clears the cache when it swaps the file. Views handed out are frozen (deeply): they are shared
 * by every request that reads the same row, so a caller that tried to change one would change it for all.
 */
export class ViewCache<V extends object> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new Error(`view cache capacity: expected an integer >= 0, got ${String(capacity)}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached view of (id, validFrom), or the one `build` makes (then cached, frozen). */
  get(id: string, validFrom: bigint, build: () => V): V {
    const key = `${validFrom}:${id}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // most recently used last: re-insert
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const view = deepFreeze(build());
    if (this.capacity === 0) return view;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, view);
    return view;
  }

  clear(): void {
    this.entries.clear();
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
