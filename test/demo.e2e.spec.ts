import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApi } from './support/api.js';

interface Timeline {
  countryTimeline: {
    totalCount: number;
    edges: {
      roles: string[];
      node: { occurredOn: string; speaker: { name: string }; attribution: string };
    }[];
  };
}

describe('the demo data set', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ COMMUNIQUE_DEMO: 'true' });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('puts the statements concerning Turkey on its timeline in date order, each edge with its roles', async () => {
    const { countryTimeline } = await api.ok<Timeline>(`{
      countryTimeline(country: "TR") {
        totalCount edges { roles node { occurredOn attribution speaker { name } } }
      }
    }`);
    expect(countryTimeline.totalCount).toBe(6);
    expect(countryTimeline.edges.map((e) => [e.node.occurredOn, e.node.speaker.name, e.roles])).toEqual([
      ['2019-02', 'Government of Turkey', ['SPEAKER']],
      ['2019-05-16', 'Wang Yi', ['TARGET']],
      ['2019-05-16', 'Wang Yi', ['TARGET']],
      ['2019-05-16', 'Sedat Önal', ['SPEAKER']],
      ['2021-03-25', 'Wang Yi', ['TARGET']],
      ['2022-01-12', 'Wang Yi', ['TARGET']],
    ]);
  });

  it('is loaded once: a restart on the same data folder adds nothing', async () => {
    const again = await TestApi.start({ COMMUNIQUE_DEMO: 'true' }, api.config.dataDir);
    try {
      const { projections } = await again.ok<{ projections: { head: string }[] }>('{ projections { head } }');
      const { projections: before } = await api.ok<{ projections: { head: string }[] }>(
        '{ projections { head } }',
      );
      expect(projections[0]?.head).toBe(before[0]?.head);
    } finally {
      await again.stop();
    }
  });
});

describe('a read model that cannot be used', () => {
  it('is set aside at start-up and rebuilt from the log', async () => {
    const first = await TestApi.start({ COMMUNIQUE_DEMO: 'true' });
    const dataDir = first.config.dataDir;
    await first.app.close();
    for (const suffix of ['-wal', '-shm']) rmSync(join(dataDir, `read-model.db${suffix}`), { force: true });
    writeFileSync(join(dataDir, 'read-model.db'), 'damaged '.repeat(1000));

    const restarted = await TestApi.start({ COMMUNIQUE_DEMO: 'true' }, dataDir);
    try {
      const { countryTimeline } = await restarted.ok<Timeline>(
        '{ countryTimeline(country: "TR") { totalCount edges { roles node { occurredOn speaker { name } attribution } } } }',
      );
      expect(countryTimeline.totalCount).toBe(6);
      expect(readdirSync(dataDir).some((name) => name.startsWith('read-model.db.unusable-'))).toBe(true);
    } finally {
      await restarted.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
