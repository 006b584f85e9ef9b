import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  Global,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventStore } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel, ReadModelUnusableError } from '#read-model';
import { referenceData } from '#reference';
import type { AppConfig } from '#runtime';
import { Clock, IdGenerator, RandomIdGenerator, SystemClock } from './clock.js';
import { openConfiguredEventStore } from '#runtime';
import { APP_CONFIG, REFERENCE_DATA } from './tokens.js';

/** Closes the stores when the application shuts down, after the projection loop has stopped. */
@Injectable()
class PersistenceShutdown implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');
  constructor(
    private readonly store: EventStore,
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.projections.stop();
    await this.store.close();
    this.readModel.close();
    this.logger.log('event store and read model closed');
  }
}

/** The event store, the read model, the projection runner, reference data, clock and ids. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: REFERENCE_DATA, useValue: referenceData },
        { provide: Clock, useClass: SystemClock },
        { provide: IdGenerator, useClass: RandomIdGenerator },
        {
          provide: EventStore,
          useFactory: () => {
            const logger = new Logger('EventStore');
            return openConfiguredEventStore(config, {
              onSubscriptionDropped: (error, attempt, delayMs) =>
                logger.warn(
                  `subscription dropped (${errorText(error)}); resubscribing in ${delayMs} ms, attempt ${attempt}`,
                ),
              onEventSkipped: (message, kind) =>
                kind === 'system' ? logger.log(message) : logger.warn(message),
              onFailover: (message) => logger.warn(message),
            });
          },
        },
        {
          provide: ReadModel,
          useFactory: () => {
            mkdirSync(dirname(config.readModelFile), { recursive: true });
            return openReadModel(config.readModelFile);
          },
        },
        {
          provide: ProjectionRunner,
          inject: [EventStore, ReadModel],
          useFactory: (store: EventStore, readModel: ReadModel) => {
            const logger = new Logger('Projections');
            return new ProjectionRunner(store, readModel, {
              onError: (error) =>
                logger.error(
                  `live projection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
                ),
            });
          },
        },
        PersistenceShutdown,
      ],
      exports: [APP_CONFIG, REFERENCE_DATA, Clock, IdGenerator, EventStore, ReadModel, ProjectionRunner],
    };
  }
}

/**
 * Opens this process's read model. One that cannot be used (another schema version, a damaged file) is set
 * aside and replaced by an empty one, which start-up then rebuilds from the log: the log is the truth, the
 * read model is disposable.
 */
function openReadModel(file: string): ReadModel {
  try {
    return ReadModel.open(file);
  } catch (error) {
    if (!(error instanceof ReadModelUnusableError)) throw error;
    const aside = `${file}.unusable-${Date.now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    }
    new Logger('Persistence').warn(`${error.message}; moved it to ${aside} and rebuilding it from the log`);
    return ReadModel.open(file);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
