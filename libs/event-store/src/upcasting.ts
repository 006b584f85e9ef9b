import type { JsonObject, RecordedEvent } from './event-store.js';
import { verifyEventHash } from './hash-chain.js';

/** Lifts the `data` of one event type from schema version `from` to `from + 1`. Pure. */
export type Upcaster = (data: JsonObject, event: RecordedEvent) => JsonObject;

/**
 * Upcasters by event type and the schema version they lift from (`metadata.schemaVersion`). They run at the
 * store boundary when events are READ: the stored bytes and their hashes never change, readers see the
 * current shape. An event is lifted one version at a time until no upcaster applies; the event handed out
 * then carries the version it reached in `metadata.schemaVersion` and the stored one in
 * `metadata.upcastFrom`. Events without a numeric `schemaVersion` are handed out as stored.
 */
export class UpcasterRegistry {
  private readonly upcasters = new Map<string, Upcaster>();

  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    if (!Number.isInteger(fromVersion) || fromVersion < 0) {
      throw new RangeError(`upcaster for ${type}: fromVersion must be an integer >= 0, got ${fromVersion}`);
    }
    const key = keyOf(type, fromVersion);
    if (this.upcasters.has(key))
      throw new Error(`an upcaster for ${type} v${fromVersion} is registered already`);
    this.upcasters.set(key, upcaster);
    return this;
  }

  /** whether reading `event` changes it */
  needsUpcast(event: RecordedEvent): boolean {
    const version: unknown = event.metadata.schemaVersion;
    return typeof version === 'number' && this.upcasters.has(keyOf(event.type, version));
  }

  /** The event in the newest shape the registry knows; the same object when nothing applies. */
  upcast(event: RecordedEvent): RecordedEvent {
    const stored: unknown = event.metadata.schemaVersion;
    if (typeof stored !== 'number') return event;
    let version = stored;
    let data = event.data;
    for (let step = this.upcasters.get(keyOf(event.type, version)); step;) {
      data = step(data, event);
      version += 1;
      step = this.upcasters.get(keyOf(event.type, version));
    }
    if (version === stored) return event;
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version, upcastFrom: stored } };
  }
}

const keyOf = (type: string, version: number): string => `${type}\u0000${version}`;

/**
 * `registry.upcast(event)`, but only after the event's stored content has been checked against its stored
 * hash: upcasting never launders a tampered event (and hashes always cover what is stored, never the upcast
 * form). Events that no upcaster applies to are handed out as they are, unchecked (as every read does; the
 * audit is `communique audit verify`).
 */
export function upcastVerified(registry: UpcasterRegistry, event: RecordedEvent): RecordedEvent {
  if (!registry.needsUpcast(event)) return event;
  if (!verifyEventHash(event)) {
    throw new Error(
      `event ${event.id} (stream ${event.stream}, revision ${event.revision}, position ${event.position}) ` +
        'does not match its stored hash; run `communique audit verify`',
    );
  }
  return registry.upcast(event);
}
