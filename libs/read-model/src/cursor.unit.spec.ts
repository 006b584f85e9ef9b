import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor.js';
import { InvalidCursorError } from './errors.js';

const sortKeys = fc
  .tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 31 }))
  .map(
    ([y, m, d]) =>
      `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
  );

describe('cursors', () => {
  it('decode what they encode', () => {
    fc.assert(
      fc.property(
        sortKeys,
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        fc.string({ minLength: 1 }),
        (sortKey, recordedPosition, statementId) => {
          const key = { sortKey, recordedPosition, statementId };
          expect(decodeCursor(encodeCursor(key))).toEqual(key);
        },
      ),
    );
  });

  it('are opaque url-safe strings', () => {
    const cursor = encodeCursor({ sortKey: '2019-05-00', recordedPosition: 42n, statementId: 'a/b+c' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('reject anything they did not produce, naming the argument', () => {
    const valid = encodeCursor({ sortKey: '2019-05-00', recordedPosition: 42n, statementId: 'x' });
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      '',
      'not a cursor',
      `${valid}==`,
      `${valid}!`,
      encode({ sortKey: '2019-05-00' }),
      encode(['2019-05', '42', 'x']),
      encode(['2019-05-00', 42, 'x']),
      encode(['2019-05-00', '-1', 'x']),
      encode(['2019-05-00', '42', '']),
      encode(['2019-05-00', '42', 'x', 'extra']),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(InvalidCursorError);
    }
    expect(() => decodeCursor('x', 'after')).toThrow(expect.objectContaining({ field: 'after' }));
  });
});
