import { ConfigError, loadConfig } from './app-config.js';

describe('configuration of the event store and operations', () => {
  it('defaults to the SQLite store, ready within 100 events, log level info', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({ eventStore: 'sqlite', readyMaxLag: 100, logLevel: 'info' });
    expect(config.eventStoreConnectionString).toBeUndefined();
  });

  it('EVENT_STORE=eventstoredb takes the connection string', () => {
    const connection = 'esdb://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true';
    const config = loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connection });
    expect(config).toMatchObject({ eventStore: 'eventstoredb', eventStoreConnectionString: connection });
  });

  it("EVENTSTORE_MAX_APPEND_SIZE is the cluster's MaxAppendSize in bytes, 1 MiB by default", () => {
    expect(loadConfig({}).eventStoreMaxAppendSize).toBe(1_048_576);
    expect(loadConfig({ EVENTSTORE_MAX_APPEND_SIZE: '4194304' }).eventStoreMaxAppendSize).toBe(4_194_304);
    for (const bad of ['0', '-1', '1.5', 'lots', '1e12']) {
      expect(() => loadConfig({ EVENTSTORE_MAX_APPEND_SIZE: bad })).toThrow(
        /^EVENTSTORE_MAX_APPEND_SIZE: expected an integer from 1 to 268435456/,
      );
    }
  });

  it('EVENT_STORE=eventstoredb without a connection string is an error naming the variable', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(ConfigError);
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(
      /^EVENTSTORE_CONNECTION_STRING: required/,
    );
  });

  it('rejects an unknown store, a malformed connection string, a bad lag bound and a bad level', () => {
    expect(() => loadConfig({ EVENT_STORE: 'postgres' })).toThrow(
      /^EVENT_STORE: expected "sqlite" or "eventstoredb"/,
    );
    expect(() =>
      loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'http://node1:2113' }),
    ).toThrow(/^EVENTSTORE_CONNECTION_STRING: expected a connection string/);
    expect(() => loadConfig({ COMMUNIQUE_READY_MAX_LAG: '-1' })).toThrow(/^COMMUNIQUE_READY_MAX_LAG: /);
    expect(() => loadConfig({ COMMUNIQUE_LOG_LEVEL: 'loud' })).toThrow(
      /^COMMUNIQUE_LOG_LEVEL: expected one of/,
    );
  });

  it('COMMUNIQUE_LOG=silent silences the log whatever the level', () => {
    expect(loadConfig({ COMMUNIQUE_LOG: 'silent', COMMUNIQUE_LOG_LEVEL: 'debug' }).logLevel).toBe('silent');
    expect(loadConfig({ COMMUNIQUE_LOG_LEVEL: 'warn', COMMUNIQUE_READY_MAX_LAG: '0' })).toMatchObject({
      logLevel: 'warn',
      readyMaxLag: 0,
    });
  });
});
