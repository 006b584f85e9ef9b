import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TreeFile, TreeHeadSigner, VerifiableLog, type EventStore } from '#event-store';
import type { AppConfig } from './app-config.js';

/** The log key of the configuration, when its file exists (`communique keys create --signing` makes it). */
export function configuredLogSigner(config: AppConfig): TreeHeadSigner | undefined {
  const file = config.verifiableLog.keyFile;
  if (!existsSync(file)) return undefined;
  return TreeHeadSigner.fromPem(readFileSync(file, 'utf8'));
}

/**
 * The verifiable log over `store` with the configured tree file and key (DESIGN §11.21). The caller closes the
 * returned `tree` when done.
 */
export function openConfiguredVerifiableLog(
  config: AppConfig,
  store: EventStore,
): { log: VerifiableLog; tree: TreeFile; signer: TreeHeadSigner | undefined } {
  mkdirSync(dirname(config.verifiableLog.treeFile), { recursive: true });
  const tree = TreeFile.open(config.verifiableLog.treeFile);
  try {
    const signer = configuredLogSigner(config);
    return { log: new VerifiableLog(store, tree, signer, config.verifiableLog.keyFile), tree, signer };
  } catch (error) {
    tree.close();
    throw error;
  }
}
