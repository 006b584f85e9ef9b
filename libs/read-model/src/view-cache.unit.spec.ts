import { ViewCache } from './view-cache.js';

interface View {
  id: string;
  tags: string[];
}

describe('ViewCache', () => {
  it('builds a view once per (id, position) and hands out the same object afterwards', () => {
    const cache = new ViewCache<View>(10);
    let built = 0;
    const build = (id: string) => () => (built++, { id, tags: ['a'] });
    const first = cache.get('s1', 5n, build('s1'));
    expect(cache.get('s1', 5n, build('s1'))).toBe(first);
    expect(built).toBe(1);
    // another position of the same statement is another row, so another view
    expect(cache.get('s1', 9n, build('s1'))).not.toBe(first);
    expect(built).toBe(2);
  });

  it('keeps at most `capacity` views, dropping the least recently used', () => {
    const cache = new ViewCache<View>(2);
    const built: string[] = [];
    const get = (id: string) => cache.get(id, 1n, () => (built.push(id), { id, tags: [] }));
    get('a');
    get('b');
    get('a'); // a is now the most recent
    get('c'); // drops b
    expect(cache.size).toBe(2);
    get('a');
    get('b'); // rebuilt
    expect(built).toEqual(['a', 'b', 'c', 'b']);
  });

  it('freezes what it hands out, nested arrays included, so a caller cannot change a shared view', () => {
    const cache = new ViewCache<View>(1);
    const view = cache.get('s1', 1n, () => ({ id: 's1', tags: ['x'] }));
    expect(() => view.tags.push('y')).toThrow(TypeError);
    expect(() => {
      (view as { id: string }).id = 'other';
    }).toThrow(TypeError);
    expect(cache.get('s1', 1n, () => ({ id: 'wrong', tags: [] }))).toEqual({ id: 's1', tags: ['x'] });
  });

  it('forgets everything on clear, and caches nothing at capacity 0', () => {
    const cache = new ViewCache<View>(0);
    let built = 0;
    cache.get('s1', 1n, () => (built++, { id: 's1', tags: [] }));
    cache.get('s1', 1n, () => (built++, { id: 's1', tags: [] }));
    expect(built).toBe(2);
    const bounded = new ViewCache<View>(5);
    bounded.get('s1', 1n, () => ({ id: 's1', tags: [] }));
    bounded.clear();
    expect(bounded.size).toBe(0);
    expect(() => new ViewCache<View>(-1)).toThrow(/capacity/);
  });
});
