import { buildTimelineSql, counterFor } from './sql.js';

describe('timeline counts', () => {
  const source = { table: 'country_entries', keyColumn: 'country', key: 'US' } as const;

  it('answer an unfiltered current page from the maintained counter', () => {
    expect(counterFor({ first: 10, order: 'DESC' })).toBe('active');
    expect(counterFor({ first: 10, order: 'ASC', filter: {} })).toBe('active');
    expect(counterFor({ first: 10, order: 'ASC', filter: { kinds: [], topics: [], roles: [] } })).toBe(
      'active',
    );
    expect(counterFor({ first: 10, order: 'ASC', filter: { includeRetracted: true } })).toBe('current');
    expect(counterFor({ first: 10, order: 'ASC', filter: { includeRetracted: false } })).toBe('active');
    expect(buildTimelineSql(source, { first: 10, order: 'DESC' }).counter).toBe('active');
  });

  it('count over the index when a filter or asOf applies', () => {
    const filters = [
      { from: '2019' },
      { to: '2020-05' },
      { kinds: ['DEMAND' as const] },
      { roles: ['SPEAKER' as const] },
      { topics: ['trade'] },
      { counterpart: 'CN' },
    ];
    for (const filter of filters) {
      expect(counterFor({ first: 10, order: 'ASC', filter })).toBeUndefined();
      expect(buildTimelineSql(source, { first: 10, order: 'ASC', filter }).counter).toBeUndefined();
    }
    expect(counterFor({ first: 10, order: 'ASC', asOf: 5n })).toBeUndefined();
  });
});
