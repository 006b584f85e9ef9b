/**
 * The Emmett SQLite event store (`@event-driven-io/emmett-sqlite`), loaded from `bench/peers/node_modules`: it is
 * installed there on demand (`npm install --prefix bench/peers`) and is never a dependency of the project.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEERS_DIR } from '../config.js';

export interface EmmettConnection {
  close(): void;
  command(sql: string): Promise<unknown>;
  withTransaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface EmmettEvent {
  type: string;
  data: object;
  metadata?: object;
}

export interface EmmettSqlite {
  sqliteConnection(options: { fileName: string }): EmmettConnection;
  createEventStoreSchema(connection: EmmettConnection): Promise<void>;
  appendToStream(
    connection: EmmettConnection,
    streamName: string,
    streamType: string,
    messages: EmmettEvent[],
    options?: { expectedStreamVersion?: bigint | string },
  ): Promise<{ success: boolean }>;
}

const ENTRY = join(PEERS_DIR, 'node_modules', '@event-driven-io', 'emmett-sqlite', 'dist', 'index.js');

/** The peer's module, installing it first when missing; a reason string when it cannot be had. */
export async function loadEmmett(): Promise<EmmettSqlite | string> {
  if (!existsSync(ENTRY)) {
    console.log(
      'installing the Emmett peer into bench/peers (sqlite3 builds from source; about a minute) ...',
    );
    const result = spawnSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], {
      stdio: 'inherit',
    });
    if (result.status !== 0 || !existsSync(ENTRY)) {
      return `npm install --prefix bench/peers failed (exit ${String(result.status)}); see its output above`;
    }
  }
  try {
    return (await import(pathToFileURL(ENTRY).href)) as EmmettSqlite;
  } catch (error) {
    return `the Emmett peer is installed but does not load: ${(error as Error).message}`;
  }
}
