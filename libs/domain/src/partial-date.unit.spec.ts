import fc from 'fast-check';
import { ValidationError } from './errors.js';
import {
  parsePartialDate,
  partialDateRange,
  partialDateSortKey,
  partialDateUpperSortKey,
} from './partial-date.js';

describe('partial dates', () => {
  it.each([
    ['2019', 'YEAR'],
    ['2019-05', 'MONTH'],
    ['2019-05-16', 'DAY'],
    ['2020-02-29', 'DAY'],
    ['2000-02-29', 'DAY'],
    [' 2019-12-31 ', 'DAY'],
  ])('accepts %p with precision %s', (value, precision) => {
    expect(parsePartialDate(value, 'input.occurredOn')).toEqual({ value: value.trim(), precision });
  });

  it.each([
    '2019-02-30',
    '2019-02-29',
    '1900-02-29',
    '2019-13',
    '2019-00',
    '2019-2-1',
    '2019-04-31',
    '19',
    '0000',
    '2019-05-16T00:00',
    '',
    'yesterday',
  ])('rejects %p naming the field', (value) => {
    expect(() => parsePartialDate(value, 'input.occurredOn')).toThrow(ValidationError);
    expect(() => parsePartialDate(value, 'input.occurredOn')).toThrow(/^input\.occurredOn: /);
  });

  it('rejects a value that is not a string', () => {
    expect(() => parsePartialDate(20190516, 'input.occurredOn')).toThrow(
      'input.occurredOn: must be a partial date string',
    );
  });

  it('sorts a partial date at the start of its period, before any finer date inside it', () => {
    expect(partialDateSortKey('2019')).toBe('2019-00-00');
    expect(partialDateSortKey('2019-05')).toBe('2019-05-00');
    expect(partialDateSortKey('2019-05-16')).toBe('2019-05-16');
    const sorted = ['2019-05-16', '2019', '2018-12-31', '2019-05', '2019-01-01'].sort((a, b) =>
      partialDateSortKey(a).localeCompare(partialDateSortKey(b)),
    );
    expect(sorted).toEqual(['2018-12-31', '2019', '2019-01-01', '2019-05', '2019-05-16']);
  });

  it('gives an upper key so that a `to` filter includes the whole period', () => {
    expect(partialDateUpperSortKey('2019')).toBe('2019-99-99');
    expect(partialDateUpperSortKey('2019-05')).toBe('2019-05-99');
    expect(partialDateUpperSortKey('2019-05-16')).toBe('2019-05-16');
    const upTo2019 = (d: string) => partialDateSortKey(d) <= partialDateUpperSortKey('2019');
    expect(['2019', '2019-12', '2019-12-31'].every(upTo2019)).toBe(true);
    expect(upTo2019('2020')).toBe(false);
  });

  it('gives the calendar range of a period', () => {
    expect(partialDateRange('2019')).toEqual({ start: '2019-01-01', end: '2019-12-31' });
    expect(partialDateRange('2020-02')).toEqual({ start: '2020-02-01', end: '2020-02-29' });
    expect(partialDateRange('2019-02')).toEqual({ start: '2019-02-01', end: '2019-02-28' });
    expect(partialDateRange('2019-05-16')).toEqual({ start: '2019-05-16', end: '2019-05-16' });
  });

  it('agrees with the calendar: every real day parses, sort keys follow time and nest within periods', () => {
    const day = fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [da, db] = [a.toISOString().slice(0, 10), b.toISOString().slice(0, 10)];
        expect(parsePartialDate(da, 'd').precision).toBe('DAY');
        const [year, month] = [da.slice(0, 4), da.slice(0, 7)];
        expect(partialDateSortKey(year) < partialDateSortKey(month)).toBe(true);
        expect(partialDateSortKey(month) < partialDateSortKey(da)).toBe(true);
        expect(partialDateSortKey(da) <= partialDateUpperSortKey(month)).toBe(true);
        expect(partialDateUpperSortKey(month) <= partialDateUpperSortKey(year)).toBe(true);
        const dayNumber = (d: Date) => Math.floor(d.getTime() / 86_400_000);
        const [ka, kb] = [partialDateSortKey(da), partialDateSortKey(db)];
        expect(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(Math.sign(dayNumber(a) - dayNumber(b)));
      }),
    );
  });
});
