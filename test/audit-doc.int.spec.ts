/**
 * docs/AUDIT.md's worked examples are computed from a real log: this builds the same log again (five events
 * through the SQLite adapter, test/support/audit-example.ts) and checks that every value the document prints
 * is what the log gives, so the document cannot drift from the code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TreeFile,
  TreeHeadSigner,
  VerifiableLog,
  treeHeadSignatureInput,
  type EventStore,
} from '#event-store';
import {
  EXAMPLE_LOG_KEY_PEM,
  EXAMPLE_TIMESTAMP,
  appendExampleLog,
  openExampleLog,
} from './support/audit-example.js';

const h = (...parts: Buffer[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};
const b = (hex: string): Buffer => Buffer.from(hex, 'hex');

async function exampleValues(dir: string): Promise<Record<string, string>> {
  const store: EventStore = openExampleLog(join(dir, 'events.db'));
  const tree = TreeFile.open(join(dir, 'log-tree.db'));
  try {
    await appendExampleLog(store);
    const signer = TreeHeadSigner.fromPem(EXAMPLE_LOG_KEY_PEM);
    const log = new VerifiableLog(store, tree, signer, 'example', () => EXAMPLE_TIMESTAMP);
    const values: Record<string, string> = {};
    const stored: { hash: string; data: string; metadata: string }[] = [];
    for await (const event of store.readStored()) stored.push(event);
    values.event0Data = stored[0].data;
    values.event0Metadata = stored[0].metadata;
    // the event hash document of DESIGN §7 (hash version 2), spelled out for the first event
    values.event0Document =
      `{"data":${stored[0].data},"id":"00000000-0000-4000-8000-000000000001","metadata":${stored[0].metadata},` +
      '"prevHash":null,"revision":0,"stream":"statement-a","type":"Noted"}';
    if (createHash('sha256').update(values.event0Document).digest('hex') !== stored[0].hash) {
      throw new Error('the spelled-out event hash document does not hash to the stored hash');
    }
    stored.forEach((event, i) => {
      values[`d${i}`] = event.hash;
      values[`l${i}`] = h(Buffer.of(0), b(event.hash));
    });
    values.n01 = h(Buffer.of(1), b(values.l0), b(values.l1));
    values.n23 = h(Buffer.of(1), b(values.l2), b(values.l3));
    values.n0123 = h(Buffer.of(1), b(values.n01), b(values.n23));
    values.root3 = h(Buffer.of(1), b(values.n01), b(values.l2));
    values.root5 = h(Buffer.of(1), b(values.n0123), b(values.l4));
    values.publicKeyPem = signer.publicKey.publicKeyPem.trim();
    values.keyId = signer.publicKey.keyId;
    const head5 = (await log.checkpoint())!;
    values.head5Signature = head5.signature;
    values.signatureInput5 = treeHeadSignatureInput(5, EXAMPLE_TIMESTAMP, head5.rootHash).toString('hex');
    const { seq: _seq, ...head5File } = head5;
    values.head5Json = JSON.stringify(head5File);
    values.inclusion2Json = JSON.stringify(await log.inclusionProof({ position: 3n }, 5));
    values.consistency35Json = JSON.stringify(await log.consistencyProof(3, 5));
    const head3 = TreeHeadSigner.fromPem(EXAMPLE_LOG_KEY_PEM).sign(3, values.root3, EXAMPLE_TIMESTAMP);
    values.head3Json = JSON.stringify(head3);
    if (head5.rootHash !== values.root5) throw new Error('the example tree is not the RFC tree');
    return values;
  } finally {
    tree.close();
    await store.close();
  }
}

describe('docs/AUDIT.md', () => {
  it('prints the values the example log gives, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-audit-doc-'));
    try {
      const values = await exampleValues(dir);
      if (process.env.PRINT_AUDIT_EXAMPLE) console.log(JSON.stringify(values, null, 2));
      const doc = readFileSync(new URL('../docs/AUDIT.md', import.meta.url), 'utf8');
      for (const [name, value] of Object.entries(values)) {
        expect({ name, present: doc.includes(value) }).toEqual({ name, present: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
