import fc from 'fast-check';
import { InvalidArgumentError } from './errors.js';
import { sortKeyOf, sortKeyRange } from './partial-date.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const partialDates = fc
  .tuple(
    fc.integer({ min: 1900, max: 2100 }),
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: 28 }),
  )
  .map(([y, m, d]) => (m === 0 ? `${y}` : d === 0 ? `${y}-${pad(m)}` : `${y}-${pad(m)}-${pad(d)}`));

/** Whether `date` lies inside the period of the partial date `period`. */
const within = (date: string, period: string): boolean => date.startsWith(period);

describe('partial-date sort keys', () => {
  it('sort a partial date at the start of its period, before every finer date inside it', () => {
    expect(sortKeyOf('2019')).toBe('2019-00-00');
    expect(sortKeyOf('2019-05')).toBe('2019-05-00');
    expect(sortKeyOf('2019-05-16')).toBe('2019-05-16');
    fc.assert(
      fc.property(partialDates, partialDates, (a, b) => {
        if (within(b, a) && a !== b) expect(sortKeyOf(a) < sortKeyOf(b)).toBe(true);
        if (!within(b, a) && !within(a, b)) expect(sortKeyOf(a) < sortKeyOf(b)).toBe(a < b);
      }),
    );
  });

  it('from/to take whole periods: a date inside `to` is included, one before `from` excluded', () => {
    fc.assert(
      fc.property(partialDates, partialDates, (date, bound) => {
        const key = sortKeyOf(date);
        const { lower, upper } = sortKeyRange(bound, bound);
        if (within(date, bound)) expect(key >= (lower ?? '') && key <= (upper ?? '')).toBe(true);
        if (!within(date, bound) && !within(bound, date)) {
          expect(key >= (lower ?? '') && key <= (upper ?? '')).toBe(false);
        }
      }),
    );
    expect(sortKeyRange('2019', '2019')).toEqual({ lower: '2019-00-00', upper: '2019-99-99' });
    expect(sortKeyRange('2019-05', undefined)).toEqual({ lower: '2019-05-00' });
  });

  it('reject a bound that is not a partial date, naming the filter field', () => {
    expect(() => sortKeyRange('2019-13', undefined)).toThrow(InvalidArgumentError);
    expect(() => sortKeyRange(undefined, '19')).toThrow(expect.objectContaining({ field: 'filter.to' }));
  });
});
