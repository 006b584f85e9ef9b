import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  LogKeyError,
  ProofFormatError,
  describeBroken,
  describePublicKey,
  parseJsonText,
  parseProof,
  parsePublicKey,
  parseTreeHead,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
  verifyLog,
  type EventStore,
  type SignedTreeHead,
  type StoredTreeHead,
  type VerifiableLog,
} from '#event-store';
import { configuredLogSigner, openConfiguredVerifiableLog, type AppConfig } from '#runtime';
import { Progress } from '../progress.js';
import { forTerminal } from '../terminal.js';
import { openExistingEventStore, processEnvironment, progressTotal, type CliEnvironment } from '../stores.js';

export function registerAudit(program: Command, environment: CliEnvironment = processEnvironment): void {
  const audit = program.command('audit').description('checks on the event log');
  audit
    .command('verify')
    .description(
      'recompute every event hash, each stream chain and the global chain; print the event count and the ' +
        'Merkle root (RFC 6962) over all event hashes; exit 1 naming the first broken event',
    )
    .action(async () => {
      const store = openExistingEventStore(environment, environment.loadConfig());
      try {
        if (!(await auditVerify(store))) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
  registerVerifiableLog(audit, environment);
}

/** A tree size or position given on the command line: digits only. */
function count(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('is too large');
  return n;
}

function position(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a log position (digits)');
  return BigInt(value);
}

function output(json: unknown, out: string | undefined): void {
  const text = `${JSON.stringify(json)}\n`;
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

/** A signed tree head as a file holds it (docs/AUDIT.md): without the local sequence number. */
function headFile(head: StoredTreeHead): SignedTreeHead {
  const { seq: _seq, ...file } = head;
  return file;
}

async function withLog<T>(
  environment: CliEnvironment,
  work: (log: VerifiableLog, config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = environment.loadConfig();
  const store = openExistingEventStore(environment, config);
  try {
    const { log, tree } = openConfiguredVerifiableLog(config, store);
    try {
      return await work(log, config);
    } finally {
      tree.close();
    }
  } finally {
    await store.close();
  }
}

/** The verbs of the verifiable log (DESIGN §11.21, docs/AUDIT.md). */
function registerVerifiableLog(audit: Command, environment: CliEnvironment): void {
  audit
    .command('checkpoint')
    .description(
      'read the whole log, check that it still holds every signed tree head, and sign a tree head at its ' +
        'current size (printed as JSON: save it to check proofs against)',
    )
    .option('--rebuild', 'forget the tree kept beside the log and build it again from the log first')
    .option('--out <file>', 'write the tree head there instead of stdout')
    .action(async (options: { rebuild?: boolean; out?: string }) => {
      await withLog(environment, async (log) => {
        const progress = new Progress('reading the log', { unit: 'events' });
        const head = await log.checkpoint({
          rebuild: options.rebuild,
          onProgress: (n) => progress.update(n),
        });
        progress.finish(head?.treeSize ?? 0);
        if (head !== undefined) output(headFile(head), options.out);
      });
    });
  audit
    .command('tree-heads')
    .description('print the signed tree heads, one JSON object per line, oldest first')
    .option('--after <seq>', 'only heads after this sequence number', count, 0)
    .option('--first <n>', 'at most this many (most 100)', count, 100)
    .action(async (options: { after: number; first: number }) => {
      await withLog(environment, async (log) => {
        for (const head of log.treeHeads(options.first, options.after)) {
          process.stdout.write(`${JSON.stringify({ seq: head.seq, ...headFile(head) })}\n`);
        }
      });
    });
  audit
    .command('key')
    .description('print the public log key (as /.well-known/communique-log-key serves it)')
    .action(() => {
      const signer = configuredLogSigner(environment.loadConfig());
      if (signer === undefined)
        throw new Error('no log key: create one with `communique keys create --signing`');
      output(signer.publicKey, undefined);
    });
  audit
    .command('prove')
    .description(
      'print the inclusion proof of an event (by id or position) in the tree of --tree-size events',
    )
    .option('--event <id>', 'the event id')
    .option('--position <position>', 'the event position', position)
    .option('--tree-size <n>', 'the tree size (default: the latest signed tree head)', count)
    .option('--out <file>', 'write the proof there instead of stdout')
    .action(
      async (
        options: { event?: string; position?: bigint; treeSize?: number; out?: string },
        command: Command,
      ) => {
        if ((options.event === undefined) === (options.position === undefined)) {
          command.error('error: give exactly one of --event <id> and --position <position>');
        }
        await withLog(environment, async (log) => {
          const target =
            options.event !== undefined ? { eventId: options.event } : { position: options.position! };
          output(await log.inclusionProof(target, options.treeSize), options.out);
        });
      },
    );
  audit
    .command('consistency')
    .description('print the consistency proof from the tree of --from events to the tree of --to events')
    .requiredOption('--from <n>', 'the older tree size', count)
    .requiredOption('--to <n>', 'the newer tree size', count)
    .option('--out <file>', 'write the proof there instead of stdout')
    .action(async (options: { from: number; to: number; out?: string }) => {
      await withLog(environment, async (log) => {
        output(await log.consistencyProof(options.from, options.to), options.out);
      });
    });
  audit
    .command('check')
    .description(
      'offline: check a proof file against signed tree head files and the public log key; exit 0 when it ' +
        'holds, 1 when it does not, 2 when a file cannot be read as docs/AUDIT.md specifies',
    )
    .argument('<proof>', 'the proof file (from audit prove, audit consistency, or the API)')
    .requiredOption('--head <file>', 'the signed tree head the proof ends at')
    .option('--old-head <file>', 'for a consistency proof: the signed tree head it starts from')
    .requiredOption('--key <file>', 'the public log key: PEM, or the JSON of /.well-known/communique-log-key')
    .action((proofFile: string, options: { head: string; oldHead?: string; key: string }) => {
      const result = auditCheck(proofFile, options);
      if (result.ok) {
        console.log(`ok: ${result.message}`);
      } else {
        console.error(
          forTerminal(`communique audit check: ${result.input ? '' : 'FAILED: '}${result.message}`),
        );
        process.exitCode = result.input ? 2 : 1;
      }
    });
}

type CheckResult = { ok: true; message: string } | { ok: false; input: boolean; message: string };

/** `audit check`, without the process: reads the files, checks shapes, signatures and the proof. */
export function auditCheck(
  proofFile: string,
  options: { head: string; oldHead?: string; key: string },
): CheckResult {
  const read = (file: string, what: string): unknown => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ProofFormatError(what, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
    return parseJsonText(text, `${what} ${file}`);
  };
  try {
    let keyText: string;
    try {
      keyText = readFileSync(options.key, 'utf8');
    } catch (error) {
      throw new ProofFormatError(
        '--key',
        `cannot read ${options.key}: ${(error as NodeJS.ErrnoException).code ?? ''}`,
      );
    }
    const key = parsePublicKey(keyText);
    const keyId = describePublicKey(key).keyId;
    const proof = within('proof', () => parseProof(read(proofFile, 'proof')));
    const head = within('--head', () => parseTreeHead(read(options.head, '--head')));
    if (head.keyId !== keyId) {
      return {
        ok: false,
        input: false,
        message: `the tree head was signed by key ${head.keyId}, not by ${keyId}`,
      };
    }
    if (!verifyTreeHead(head, key)) {
      return { ok: false, input: false, message: 'the tree head signature does not verify under the key' };
    }
    if (proof.type === 'inclusion') {
      if (head.treeSize !== proof.treeSize) {
        return {
          ok: false,
          input: false,
          message: `the proof is for a tree of ${proof.treeSize} events, the tree head for ${head.treeSize}`,
        };
      }
      const holds = verifyInclusion(
        Buffer.from(proof.leafInput, 'hex'),
        proof.leafIndex,
        proof.treeSize,
        proof.auditPath.map((h) => Buffer.from(h, 'hex')),
        Buffer.from(head.rootHash, 'hex'),
      );
      return holds
        ? {
            ok: true,
            message:
              `event ${proof.eventId} (hash ${proof.leafInput}) is leaf ${proof.leafIndex} of the tree of ` +
              `${head.treeSize} events signed at ${new Date(head.timestamp).toISOString()}`,
          }
        : { ok: false, input: false, message: 'the inclusion proof does not lead to the signed root' };
    }
    if (options.oldHead === undefined) {
      throw new ProofFormatError('--old-head', 'a consistency proof needs the older signed tree head');
    }
    const oldHead = within('--old-head', () => parseTreeHead(read(options.oldHead!, '--old-head')));
    if (oldHead.keyId !== keyId || !verifyTreeHead(oldHead, key)) {
      return {
        ok: false,
        input: false,
        message: 'the old tree head signature does not verify under the key',
      };
    }
    if (oldHead.treeSize !== proof.firstTreeSize || head.treeSize !== proof.secondTreeSize) {
      return {
        ok: false,
        input: false,
        message:
          `the proof goes from ${proof.firstTreeSize} to ${proof.secondTreeSize} events, the tree heads from ` +
          `${oldHead.treeSize} to ${head.treeSize}`,
      };
    }
    const holds = verifyConsistency(
      proof.firstTreeSize,
      proof.secondTreeSize,
      proof.path.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(oldHead.rootHash, 'hex'),
      Buffer.from(head.rootHash, 'hex'),
    );
    return holds
      ? {
          ok: true,
          message:
            `the tree of ${head.treeSize} events signed at ${new Date(head.timestamp).toISOString()} extends ` +
            `the tree of ${oldHead.treeSize} events signed at ${new Date(oldHead.timestamp).toISOString()}`,
        }
      : { ok: false, input: false, message: 'the consistency proof does not connect the two signed roots' };
  } catch (error) {
    if (error instanceof ProofFormatError || error instanceof LogKeyError) {
      return { ok: false, input: true, message: error.message };
    }
    throw error;
  }
}

/** Prefixes a format error with the file it was found in. */
function within<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ProofFormatError && !error.field.startsWith(what)) {
      throw new ProofFormatError(`${what}: ${error.field}`, error.reason);
    }
    throw error;
  }
}

/**
 * Verifies the log as the store holds it (`readStored`, in global order), on any adapter. On SQLite the
 * global chain checked is the stored `chain_hash`; on EventStoreDB it is computed from `$all` order while
 * reading, so it holds by construction there and the per-event hashes and stream chains carry the check
 * (DESIGN §11.11).
 */
export async function auditVerify(store: EventStore): Promise<boolean> {
  const progress = new Progress('verifying', { unit: 'events', total: await progressTotal(store) });
  const report = await verifyLog(store.readStored(), (count) => progress.update(count));
  progress.finish(report.eventCount);
  console.log(`events: ${report.eventCount}`);
  console.log(`head position: ${report.headPosition}`);
  console.log(`merkle root: ${report.merkleRoot}`);
  console.log(
    `hash rules: ${report.hashVersions[2]} events checked under version 2 (id included), ` +
      `${report.hashVersions[1]} under version 1 (written before version 2; the id is not hashed)`,
  );
  if (report.broken) {
    console.error(forTerminal(`communique audit verify: FAILED: ${describeBroken(report.broken)}`));
    return false;
  }
  console.log(
    store.capabilities.storedChainHash
      ? 'ok: every event hash, stream chain and the global chain check out'
      : 'ok: every event hash and stream chain check out (the global chain is computed from the log order ' +
          'on this store)',
  );
  return true;
}
