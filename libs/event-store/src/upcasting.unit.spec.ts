import type { JsonObject, RecordedEvent } from './event-store.js';
import { UpcasterRegistry } from './upcasting.js';

const event = (type: string, schemaVersion: number | undefined, data: JsonObject): RecordedEvent =>
  ({
    id: 'e1',
    stream: 's',
    revision: 0,
    position: 1n,
    type,
    data,
    metadata: {
      recordedAt: '2026-01-01T00:00:00.000Z',
      recordedBy: 't',
      correlationId: 'c',
      causationId: 'c',
      schemaVersion,
      prevHash: null,
      hash: 'h',
    },
  }) as RecordedEvent;

describe('UpcasterRegistry', () => {
  const registry = new UpcasterRegistry()
    .register('Renamed', 0, (data) => ({ fullName: data.name ?? null }))
    .register('Renamed', 1, (data) => ({ ...data, title: 'none' }));

  it('lifts an event one version at a time to the newest shape and says where it came from', () => {
    const lifted = registry.upcast(event('Renamed', 0, { name: 'Ada' }));
    expect(lifted.data).toEqual({ fullName: 'Ada', title: 'none' });
    expect(lifted.metadata.schemaVersion).toBe(2);
    expect(lifted.metadata.upcastFrom).toBe(0);
    expect(lifted.metadata.hash).toBe('h'); // the stored hash is kept: it covers the stored form
  });

  it('starts from the stored version', () => {
    expect(registry.upcast(event('Renamed', 1, { fullName: 'Ada' })).data).toEqual({
      fullName: 'Ada',
      title: 'none',
    });
  });

  it('hands out current events, other types and events without a version unchanged', () => {
    for (const e of [
      event('Renamed', 2, { fullName: 'Ada' }),
      event('Other', 0, { name: 'Ada' }),
      event('Renamed', undefined, { name: 'Ada' }),
    ]) {
      expect(registry.needsUpcast(e)).toBe(false);
      expect(registry.upcast(e)).toBe(e);
    }
    expect(registry.needsUpcast(event('Renamed', 0, {}))).toBe(true);
  });

  it('refuses two upcasters for the same type and version, and negative versions', () => {
    expect(() => registry.register('Renamed', 0, (d) => d)).toThrow('registered already');
    expect(() => new UpcasterRegistry().register('X', -1, (d) => d)).toThrow('fromVersion');
  });
});
