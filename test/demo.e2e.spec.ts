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
