import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD, TestApi, statementInput } from '../support/api.js';
import { readModelAndRebuild, seededRandom } from '../support/fault-harness.js';

const STATEMENTS = 30;

/** Ways a read-model file gets damaged; each must be noticed at start-up and rebuilt from the log. */
const DAMAGE: Record<string, (file: string) => void> = {
  deleted: (file) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  },
  'overwritten with garbage bytes': (file) => {
    const random = seededRandom(7);
    const bytes = Buffer.from(Array.from({ length: statSync(file).size }, () => Math.floor(random() * 256)));
    const fd = openSync(file, 'r+');
    writeSync(fd, bytes, 0, bytes.length, 0);
    closeSync(fd);
  },
  'truncated to half': (file) => truncateSync(file, Math.floor(statSync(file).size / 2)),
  'truncated to nothing': (file) => truncateSync(file, 0),
  'a damaged page in the middle': (file) => {
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
  },
};

describe('a damaged or missing read-model file', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = mkdtempSync(join(tmpdir(), 'communique-rm-pristine-'));
    const api = await TestApi.start({}, pristine);
    for (let i = 0; i < STATEMENTS; i++) {
      await api.ok(RECORD, { input: statementInput({ text: `statement ${i} ${'words '.repeat(300)}` }) });
    }
    await api.app.close(); // closing checkpoints the WAL into the file
    expect(existsSync(join(pristine, 'read-model.db-wal'))).toBe(false);
  });
  afterAll(() => rmSync(pristine, { recursive: true, force: true }));

  it.each(Object.keys(DAMAGE))('%s: the service rebuilds it from the log at start-up', async (damage) => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-rm-damaged-'));
    try {
      for (const name of ['events.db', 'read-model.db']) copyFileSync(join(pristine, name), join(dir, name));
      DAMAGE[damage](join(dir, 'read-model.db'));

      const api = await TestApi.start({}, dir);
      try {
        const { countryTimeline } = await api.ok<{ countryTimeline: { totalCount: number } }>(
          '{ countryTimeline(country: "TR") { totalCount } }',
        );
        expect(countryTimeline.totalCount).toBe(STATEMENTS);
      } finally {
        await api.app.close();
      }
      const { live, rebuilt } = await readModelAndRebuild(join(dir, 'events.db'), join(dir, 'read-model.db'));
      expect(live).toEqual(rebuilt);
      // a damaged file is kept aside for inspection, never silently reused
      const setAside = readdirSync(dir).some((name) => name.startsWith('read-model.db.unusable-'));
      expect(setAside).toBe(damage !== 'deleted' && damage !== 'truncated to nothing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
