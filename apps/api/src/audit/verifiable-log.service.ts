import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventStore, type TreeFile, type TreeHeadSigner, type VerifiableLog } from '#event-store';
import { openConfiguredVerifiableLog, type AppConfig } from '#runtime';
import { APP_CONFIG } from '../infrastructure/tokens.js';

/**
 * The service's verifiable log (DESIGN §11.21): proofs and tree heads for the resolvers and REST routes, and a
 * tree head signed every `COMMUNIQUE_TREE_HEAD_INTERVAL_SECONDS` when the log has grown and a log key exists.
 */
@Injectable()
export class VerifiableLogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('VerifiableLog');
  readonly log: VerifiableLog;
  readonly signer: TreeHeadSigner | undefined;
  private readonly tree: TreeFile;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const opened = openConfiguredVerifiableLog(config, store);
    this.log = opened.log;
    this.tree = opened.tree;
    this.signer = opened.signer;
  }

  onModuleInit(): void {
    const seconds = this.config.verifiableLog.treeHeadIntervalSeconds;
    if (this.signer === undefined || seconds === 0) return;
    this.timer = setInterval(() => void this.signIfGrown(), seconds * 1000);
    this.timer.unref();
  }

  /** One periodic checkpoint (never two at once); a failure is logged, and the next interval tries again. */
  signIfGrown(): Promise<void> {
    this.running ??= this.log
      .checkpoint({ onlyIfGrown: true })
      .then((head) => {
        if (head !== undefined)
          this.logger.log(`signed tree head ${head.seq}: ${head.treeSize} events, root ${head.rootHash}`);
      })
      .catch((error: unknown) => {
        this.logger.error(`tree head not signed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
    this.tree.close();
  }
}
