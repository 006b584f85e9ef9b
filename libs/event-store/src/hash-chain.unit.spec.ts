import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { RecordedEvent } from './event-store.js';
import {
  canonicalJson,
  computeChainHash,
  computeEventHash,
  computeStoredEventHash,
  sha256Hex,
  verifyEventHash,
} from './hash-chain.js';

// The expected hashes below were computed outside this code, with
// `printf '%s' '<canonical text>' | sha256sum`, from the canonical texts written out literally here.
const FIRST_CANONICAL =
  '{"data":{"a":[true,null,"é"],"b":1,"nested":{"y":"x","z":1.5}},' +
  '"metadata":{"causationId":"cmd-1","correlationId":"corr-1","prevHash":null,' +
  '"recordedAt":"2026-01-01T00:00:00.000Z","recordedBy":"analyst@example.org","schemaVersion":1},' +
  '"prevHash":null,"revision":0,"stream":"statement-1","type":"StatementRecorded"}';
const FIRST_HASH = 'dc3fc7b478dfa58f6b2e85347e18b507e81f5d98fdf5fab80fa9eddf83bc6aeb';
const SECOND_HASH = '878d13fe6af4ecd7ac0fc12513098335f821d4db422868bf14ad075fe31c8367';
// Version 2: the same event with `"hashVersion":2` in its metadata; the document gains the event id.
const FIRST_V2_CANONICAL =
  '{"data":{"a":[true,null,"é"],"b":1,"nested":{"y":"x","z":1.5}},' +
  '"id":"00000000-0000-4000-8000-000000000001",' +
  '"metadata":{"causationId":"cmd-1","correlationId":"corr-1","hashVersion":2,"prevHash":null,' +
  '"recordedAt":"2026-01-01T00:00:00.000Z","recordedBy":"analyst@example.org","schemaVersion":1},' +
  '"prevHash":null,"revision":0,"stream":"statement-1","type":"StatementRecorded"}';
const FIRST_V2_HASH = '92be7cbad9ae46772670b94ac8472afd4e91f15fcaf85a298f3335035797a294';

const first = {
  id: '00000000-0000-4000-8000-000000000001',
  stream: 'statement-1',
  revision: 0,
  type: 'StatementRecorded',
  // deliberately unsorted, with an undefined member that must be dropped
  data: { nested: { z: 1.5, y: 'x' }, b: 1, a: [true, null, 'é'], dropped: undefined },
  metadata: {
    recordedAt: '2026-01-01T00:00:00.000Z',
    recordedBy: 'analyst@example.org',
    correlationId: 'corr-1',
    causationId: 'cmd-1',
    schemaVersion: 1,
    prevHash: null,
  },
  prevHash: null,
};

describe('canonicalJson', () => {
  it('sorts keys recursively, keeps array order, drops undefined members and writes no whitespace', () => {
    expect(canonicalJson({ b: [3, 1, { d: 1, c: undefined, a: 'x' }], a: { z: null, y: false } })).toBe(
      '{"a":{"y":false,"z":null},"b":[3,1,{"a":"x","d":1}]}',
    );
  });

  it('sorts keys as strings by UTF-16 code units, not numerically and not by locale', () => {
    expect(canonicalJson({ 2: 'b', 10: 'a', B: 1, a: 2, é: 3, '\u{1F600}': 4, '\uFFFF': 5 })).toBe(
      '{"10":"a","2":"b","B":1,"a":2,"é":3,"\u{1F600}":4,"\uFFFF":5}',
    );
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1, 123456789012345680000, 'a"b\\c\n\u0001\u007f/é\ud800'])).toBe(
      '[1e+21,1e-7,0,0.1,123456789012345680000,"a\\"b\\\\c\\n\\u0001\u007f/é\\ud800"]',
    );
  });

  it('writes an undefined array element as null, like JSON.stringify', () => {
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('drops undefined members wherever they are, without stray commas', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: undefined, d: { x: undefined }, e: [] })).toBe(
      '{"b":1,"d":{},"e":[]}',
    );
    expect(canonicalJson({ '': 0, a: undefined })).toBe('{"":0}');
  });

  it('rejects values that JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite number at \$\.a/);
    expect(() => canonicalJson({ a: [1, { b: [Infinity] }] })).toThrow(
      /non-finite number at \$\.a\[1\]\.b\[0\]$/,
    );
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(/not a plain object at \$\.at/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined/);
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });

  it('parses back to the same value as JSON round-trip, and is stable under re-encoding', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe('computeEventHash', () => {
  it('hashes the canonical document of a first event under version 1, without the id (known vector)', () => {
    expect(
      canonicalJson({
        stream: first.stream,
        revision: first.revision,
        type: first.type,
        data: first.data,
        metadata: first.metadata,
        prevHash: first.prevHash,
      }),
    ).toBe(FIRST_CANONICAL);
    expect(computeEventHash(first)).toBe(FIRST_HASH);
    expect(computeEventHash({ ...first, id: 'another-id' })).toBe(FIRST_HASH);
  });

  it('hashes the id too under version 2 (known vector)', () => {
    const v2 = { ...first, metadata: { ...first.metadata, hashVersion: 2 } };
    expect(canonicalJson({ ...v2, metadata: v2.metadata })).toBe(FIRST_V2_CANONICAL);
    expect(computeEventHash(v2)).toBe(FIRST_V2_HASH);
    expect(computeEventHash({ ...v2, id: '00000000-0000-4000-8000-000000000002' })).not.toBe(FIRST_V2_HASH);
  });

  it('refuses a hash version it does not know', () => {
    for (const hashVersion of [3, '2', null, 1]) {
      expect(() => computeEventHash({ ...first, metadata: { ...first.metadata, hashVersion } })).toThrow(
        /unknown metadata.hashVersion/,
      );
    }
  });

  it('chains a second event to the first through prevHash (known vector)', () => {
    expect(
      computeEventHash({
        id: 'not hashed under version 1',
        stream: 'statement-1',
        revision: 1,
        type: 'StatementRetracted',
        data: { reason: 'typo' },
        metadata: {
          recordedAt: '2026-01-02T00:00:00.000Z',
          recordedBy: 'analyst@example.org',
          correlationId: 'corr-1',
          causationId: 'cmd-2',
          schemaVersion: 1,
          prevHash: FIRST_HASH,
        },
        prevHash: FIRST_HASH,
      }),
    ).toBe(SECOND_HASH);
  });

  it('leaves a hash member of the metadata out of the hashed document', () => {
    expect(computeEventHash({ ...first, metadata: { ...first.metadata, hash: 'anything' } })).toBe(
      FIRST_HASH,
    );
  });

  it('changes when any hashed field changes', () => {
    const variants = [
      { ...first, stream: 'statement-2' },
      { ...first, revision: 1 },
      { ...first, type: 'StatementCorrected' },
      { ...first, data: { ...first.data, b: 2 } },
      { ...first, metadata: { ...first.metadata, recordedBy: 'someone-else' } },
      { ...first, prevHash: FIRST_HASH },
    ];
    for (const variant of variants) expect(computeEventHash(variant)).not.toBe(FIRST_HASH);
  });
});

describe('verifyEventHash', () => {
  const recorded: RecordedEvent = {
    id: '00000000-0000-4000-8000-000000000001',
    stream: first.stream,
    revision: first.revision,
    position: 1n,
    type: first.type,
    data: { nested: { z: 1.5, y: 'x' }, b: 1, a: [true, null, 'é'] },
    metadata: { ...first.metadata, hash: FIRST_HASH },
  };

  it('accepts an event whose stored hash matches its content', () => {
    expect(verifyEventHash(recorded)).toBe(true);
  });

  it('rejects an event whose data was altered after hashing', () => {
    expect(verifyEventHash({ ...recorded, data: { ...recorded.data, b: 2 } })).toBe(false);
  });
});

describe('computeStoredEventHash', () => {
  it('equals computeEventHash for the same event given as canonical texts, under either version', () => {
    const data = { z: 1, a: ['ü', { y: null, b: 'x"\\' }] };
    for (const [version, prevHash] of [
      [1, 'ab'.repeat(32)],
      [1, null],
      [2, 'ab'.repeat(32)],
      [2, null],
    ] as const) {
      const metadata = {
        recordedAt: '2026-01-01T00:00:00.000Z',
        schemaVersion: 1,
        ...(version === 2 ? { hashVersion: 2 } : {}),
      };
      expect(
        computeStoredEventHash(
          version,
          'e-1',
          's-1',
          3,
          'T',
          canonicalJson(data),
          canonicalJson({ ...metadata, prevHash }),
          prevHash,
        ),
      ).toBe(
        computeEventHash({
          id: 'e-1',
          stream: 's-1',
          revision: 3,
          type: 'T',
          data,
          metadata: { ...metadata, prevHash },
          prevHash,
        }),
      );
    }
  });
});

describe('computeChainHash', () => {
  it('hashes the canonical JSON of { hash, position, prevChainHash }', () => {
    const hash = 'ab'.repeat(32);
    for (const [prev, position] of [
      [null, 1n],
      ['cd'.repeat(32), 12345678901234567890n],
    ] as const) {
      expect(computeChainHash(prev, position, hash)).toBe(
        sha256Hex(canonicalJson({ hash, position: position.toString(), prevChainHash: prev })),
      );
    }
  });
});

describe('sha256Hex', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const text of ['', 'é ü 中文 😀', '\ud800 lone surrogate', 'x'.repeat(5000)]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    }
  });
});
