import { STATEMENT_KINDS, type Statement } from '#domain';
import { isAlpha2Country } from '#reference';
import {
  countryPool,
  generateStreams,
  prng,
  TOPIC_POOL,
  VERBAL_CAMEO_CODES,
  zipf,
} from '../../bench/generator.js';

const recorded = (seed: number, statements: number): Statement[] =>
  [...generateStreams({ seed, statements })].map((batch) => batch.events[0].data as Statement);

describe('the benchmark data generator', () => {
  it('gives the same streams, ids and events for the same seed, and others for another seed', () => {
    const a = JSON.stringify([...generateStreams({ seed: 1, statements: 200 })]);
    const b = JSON.stringify([...generateStreams({ seed: 1, statements: 200 })]);
    const c = JSON.stringify([...generateStreams({ seed: 2, statements: 200 })]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('draws ~200 distinct real alpha-2 countries and 500 topic slugs', () => {
    const pool = countryPool();
    expect(pool).toHaveLength(200);
    expect(new Set(pool).size).toBe(200);
    expect(pool.every(isAlpha2Country)).toBe(true);
    expect(new Set(TOPIC_POOL).size).toBe(500);
    expect(TOPIC_POOL.every((t) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(t))).toBe(true);
  });

  it('spreads speakers Zipf-like: the first rank is drawn far more often than the hundredth', () => {
    const draw = zipf(200);
    const random = prng(3);
    const counts = new Array<number>(200).fill(0);
    for (let i = 0; i < 20_000; i++) counts[draw(random)]++;
    expect(counts[0]).toBeGreaterThan(10 * counts[99]);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(150);
  });

  it('makes statements with 1-3 targets, 30 years of partial dates, 100-400 characters and verbal CAMEO codes', () => {
    const statements = recorded(9, 600);
    const years = statements.map((s) => Number(s.occurredOn.slice(0, 4)));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1996);
    expect(Math.max(...years)).toBeLessThanOrEqual(2025);
    expect(Math.max(...years) - Math.min(...years)).toBeGreaterThanOrEqual(27);
    const precisions = new Set(statements.map((s) => s.occurredOn.length));
    expect([...precisions].sort()).toEqual([10, 4, 7]);
    for (const s of statements) {
      expect(s.targets.length).toBeGreaterThanOrEqual(1);
      expect(s.targets.length).toBeLessThanOrEqual(3);
      expect(s.targets).not.toContain(s.speakerCountry);
      expect(s.text.length).toBeGreaterThanOrEqual(100);
      expect(s.text.length).toBeLessThanOrEqual(400);
      expect(VERBAL_CAMEO_CODES).toContain(s.cameoCode);
      expect(STATEMENT_KINDS).toContain(s.kind);
      expect(s.sources.length).toBeGreaterThanOrEqual(1);
      expect(s.sources.length).toBeLessThanOrEqual(2);
    }
    const speakers = new Set(statements.map((s) => s.speaker.country));
    expect(speakers.size).toBeGreaterThan(50);
  });

  it('adds some later events (tags, corrections, retractions) at consecutive positions of their stream', () => {
    const batches = [...generateStreams({ seed: 4, statements: 800 })];
    const later = batches.flatMap((b) => b.events.slice(1).map((e) => e.type));
    expect(later).toEqual(
      expect.arrayContaining(['StatementTopicsTagged', 'StatementCorrected', 'StatementRetracted']),
    );
    expect(later.length).toBeGreaterThan(40);
    expect(later.length).toBeLessThan(160);
    const times = batches.flatMap((b) => b.events.map((e) => e.metadata.recordedAt));
    expect([...times].sort()).toEqual(times);
  });
});
