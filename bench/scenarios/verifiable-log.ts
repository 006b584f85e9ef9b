/**
 * Verifiable log: the tree built beside the bench store through the port (`VerifiableLog.checkpoint`, which
 * reads the whole log), a second checkpoint (what a periodic tree head costs: the whole log read again and
 * compared), then the latency of inclusion proofs (by event id and by position, against the signed size) and
 * of consistency proofs between random sizes, each as a request runs it (the incremental catch-up included),
 * and the bytes the tree file takes. Every tenth proof is verified, so a fast wrong answer cannot pass.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  SqliteEventStore,
  TreeFile,
  TreeHeadSigner,
  VerifiableLog,
  createLogKey,
  verifyConsistency,
  verifyInclusion,
  rangeHash,
} from '#event-store';
import { settings } from '../config.js';
import { dataSet, ensureEvents, removeDatabase } from '../dataset.js';
import { prng } from '../generator.js';
import { fileBytes, percentile, report, round, type Figures } from '../report.js';

export async function verifiableLogScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureEvents(set);
  const treeFile = join(set.dir, 'log-tree.db');
  removeDatabase(treeFile);
  const store = SqliteEventStore.open(set.eventsFile);
  const tree = TreeFile.open(treeFile);
  const log = new VerifiableLog(store, tree, TreeHeadSigner.fromPem(createLogKey().privateKeyPem));
  const random = prng(settings.seed + 15);
  try {
    let started = performance.now();
    const head = await log.checkpoint();
    const buildSeconds = (performance.now() - started) / 1000;
    if (head === undefined) throw new Error('no tree head');
    const n = head.treeSize;
    started = performance.now();
    await log.checkpoint({ onlyIfGrown: true });
    const recheckSeconds = (performance.now() - started) / 1000;

    // event ids and positions to ask for, picked by leaf index from the events file itself (the bench store
    // was written by appends alone, so leaf i is at position i + 1)
    const db = new Database(set.eventsFile, { readonly: true });
    const pick = db.prepare<[number], { event_id: string; position: number; hash: string }>(
      'SELECT event_id, position, hash FROM events WHERE position = ?',
    );
    const targets = Array.from({ length: settings.queries }, () => {
      const index = Math.floor(random() * n);
      const row = pick.get(index + 1);
      if (row === undefined) throw new Error(`no event at position ${index + 1}`);
      return { index, ...row };
    });
    db.close();

    const root = Buffer.from(head.rootHash, 'hex');
    const byId: number[] = [];
    const byPosition: number[] = [];
    let auditPathLength = 0;
    for (const [i, target] of targets.entries()) {
      let t = performance.now();
      const proof = await log.inclusionProof({ eventId: target.event_id }, n);
      byId.push(performance.now() - t);
      t = performance.now();
      await log.inclusionProof({ position: BigInt(target.position) }, n);
      byPosition.push(performance.now() - t);
      auditPathLength = Math.max(auditPathLength, proof.auditPath.length);
      if (i % 10 === 0) {
        const path = proof.auditPath.map((h) => Buffer.from(h, 'hex'));
        if (!verifyInclusion(Buffer.from(target.hash, 'hex'), target.index, n, path, root)) {
          throw new Error(`inclusion proof of leaf ${target.index} does not verify`);
        }
      }
    }
    const consistency: number[] = [];
    for (let i = 0; i < settings.queries; i++) {
      const from = 1 + Math.floor(random() * (n - 1));
      const to = from + 1 + Math.floor(random() * (n - from));
      const t = performance.now();
      const proof = await log.consistencyProof(from, to);
      consistency.push(performance.now() - t);
      if (i % 10 === 0) {
        const ok = verifyConsistency(
          from,
          to,
          proof.path.map((h) => Buffer.from(h, 'hex')),
          rangeHash(tree, 0, from),
          rangeHash(tree, 0, to),
        );
        if (!ok) throw new Error(`consistency proof ${from} -> ${to} does not verify`);
      }
    }
    for (const times of [byId, byPosition, consistency]) times.sort((a, b) => a - b);
    const treeBytes = fileBytes(treeFile);
    const eventBytes = fileBytes(set.eventsFile);
    const figures: Figures = {
      events: n,
      'tree built from the log (first checkpoint), s': round(buildSeconds, 1),
      'tree built, events/s': round(n / buildSeconds),
      'periodic checkpoint (whole log re-read and compared), s': round(recheckSeconds, 1),
      'inclusion proof by id p50 ms': round(percentile(byId, 50), 3),
      'inclusion proof by id p95 ms': round(percentile(byId, 95), 3),
      'inclusion proof by id p99 ms': round(percentile(byId, 99), 3),
      'inclusion proof by position p50 ms': round(percentile(byPosition, 50), 3),
      'inclusion proof by position p95 ms': round(percentile(byPosition, 95), 3),
      'consistency proof p50 ms': round(percentile(consistency, 50), 3),
      'consistency proof p95 ms': round(percentile(consistency, 95), 3),
      'consistency proof p99 ms': round(percentile(consistency, 99), 3),
      'longest audit path': auditPathLength,
      'tree file MB': round(treeBytes / 1e6, 1),
      'tree file bytes/event': round(treeBytes / n),
      'events file MB': round(eventBytes / 1e6, 1),
    };
    report('verifiable-log', figures, [
      `${settings.queries} proofs of each kind, leaves and sizes uniform over the log; in process, no HTTP;`,
      'each proof includes the catch-up read of the store after the last leaf (nothing new here)',
    ]);
    return figures;
  } finally {
    tree.close();
    await store.close();
  }
}
