import { SqliteEventStore, type EventStore } from '#event-store';

/**
 * The small real log of docs/AUDIT.md's worked examples: five events in two streams, with fixed ids, times and
 * contents, appended through the SQLite adapter (so their hashes are what the store computes). The doc test
 * (`test/audit-doc.int.spec.ts`) builds it again and checks every value the document prints.
 */
export async function appendExampleLog(store: EventStore): Promise<void> {
  const texts = [
    ['statement-a', 'Noted', { text: 'first' }],
    ['statement-b', 'Noted', { text: 'second' }],
    ['statement-a', 'Noted', { text: 'third' }],
    ['statement-a', 'Noted', { text: 'fourth' }],
    ['statement-b', 'Noted', { text: 'fifth' }],
  ] as const;
  for (const [i, [stream, type, data]] of texts.entries()) {
    await store.appendToStream(
      stream,
      [
        {
          id: `00000000-0000-4000-8000-00000000000${i + 1}`,
          type,
          data,
          metadata: {
            recordedAt: `2026-01-01T00:00:0${i}.000Z`,
            recordedBy: 'example',
            correlationId: 'example',
            causationId: 'example',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
  }
}

export function openExampleLog(file: string): SqliteEventStore {
  return SqliteEventStore.open(file);
}

/** The example log key of docs/AUDIT.md: published there, so never use it for anything but the example. */
export const EXAMPLE_LOG_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g
-----END PRIVATE KEY-----
`;

/** The example tree heads' time: 2026-01-01T00:00:00Z. */
export const EXAMPLE_TIMESTAMP = 1767225600000;
