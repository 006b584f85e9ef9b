import type { StatementInput } from './commands.js';
import { canonicalJson } from './canonical-json.js';
import { normalizeStatementChanges, normalizeStatementInput } from './normalize.js';
import type { StatementFields } from './statement.js';
import { fakeReference as ref } from './testing/fake-reference.js';

const input = (overrides: Partial<StatementInput> = {}): StatementInput => ({
  occurredOn: '2019-05-16',
  speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'China' },
  targets: ['TUR'],
  topics: ['Xinjiang'],
  kind: 'DISAPPROVE',
  text: 'We firmly oppose interference in internal affairs.',
  attribution: 'PARAPHRASE',
  sources: [{ url: 'https://www.fmprc.gov.cn/eng/', outlet: 'MFA' }],
  ...overrides,
});

describe('normalizeStatementInput', () => {
  it('normalises a statement and omits absent optional values', () => {
    const fields = normalizeStatementInput(
      input({ mentions: null, language: null, location: { city: ' ', country: null }, cameoCode: null }),
      ref,
    );
    expect(fields).toEqual({
      occurredOn: '2019-05-16',
      speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'CN' },
      speakerCountry: 'CN',
      targets: ['TR'],
      mentions: [],
      topics: ['xinjiang'],
      kind: 'DISAPPROVE',
      text: 'We firmly oppose interference in internal affairs.',
      attribution: 'PARAPHRASE',
      sources: [{ url: 'https://www.fmprc.gov.cn/eng/', outlet: 'MFA' }],
    });
    expect(Object.values(fields)).not.toContain(undefined);
    expect(JSON.stringify(fields)).not.toContain('null');
  });

  it('gives equal canonical JSON for the same statement written differently', () => {
    const a = normalizeStatementInput(input(), ref);
    const b = normalizeStatementInput(
      input({
        targets: ['Turkey', 'TR'],
        topics: ['xinjiang', ' XINJIANG '],
        speaker: { country: 'CHN', name: ' Wang Yi ', role: 'State Councilor', organization: '' },
        speakerCountry: 'cn',
        text: '  We firmly oppose interference in internal affairs.\n',
        sources: [{ url: 'https://www.fmprc.gov.cn/eng/', outlet: 'MFA', via: null }],
      }),
      ref,
    );
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('keeps an explicit speaker country that differs from the speaker’s own', () => {
    const fields = normalizeStatementInput(input({ speakerCountry: 'France' }), ref);
    expect(fields.speakerCountry).toBe('FR');
    expect(normalizeStatementInput(input({ speaker: { name: 'A spokesperson' } }), ref)).not.toHaveProperty(
      'speakerCountry',
    );
  });

  it('takes kind and Goldstein score from the CAMEO code', () => {
    const fields = normalizeStatementInput(input({ kind: null, cameoCode: '0214' }), ref);
    expect(fields).toMatchObject({ kind: 'APPEAL', cameoCode: '0214', goldstein: 3.4 });
    expect(normalizeStatementInput(input({ kind: 'APPEAL', cameoCode: '022' }), ref).kind).toBe('APPEAL');
    expect(normalizeStatementInput(input({ kind: 'OTHER', cameoCode: '190' }), ref).kind).toBe('OTHER');
  });

  it('rejects a kind that disagrees with the CAMEO code, an unknown code, and neither', () => {
    expect(() => normalizeStatementInput(input({ kind: 'DEMAND', cameoCode: '022' }), ref)).toThrow(
      /^input\.kind: kind DEMAND disagrees with CAMEO code 022/,
    );
    expect(() => normalizeStatementInput(input({ cameoCode: '0999' }), ref)).toThrow(
      'input.cameoCode: unknown CAMEO code "0999"',
    );
    expect(() => normalizeStatementInput(input({ kind: null }), ref)).toThrow(
      'input.kind: give kind or cameoCode',
    );
    expect(() => normalizeStatementInput(input({ kind: 'SHOUT' as never }), ref)).toThrow(
      /^input\.kind: must be one of/,
    );
  });

  it.each<[string, Partial<StatementInput>, RegExp]>([
    ['occurredOn', { occurredOn: '2019-02-30' }, /^input\.occurredOn: /],
    ['speaker.name', { speaker: { name: ' ' } }, /^input\.speaker\.name: must not be empty/],
    [
      'speaker.country',
      { speaker: { name: 'X', country: 'Atlantis' } },
      /^input\.speaker\.country: unknown country/,
    ],
    ['targets', { targets: ['TR', 'XX'] }, /^input\.targets\.1: unknown country "XX"/],
    ['mentions', { mentions: ['XX'] }, /^input\.mentions\.0: unknown country/],
    ['topics', { topics: ['human rights'] }, /^input\.topics\.0: "human rights" is not a topic slug/],
    ['text', { text: '' }, /^input\.text: must not be empty/],
    ['text length', { text: 'x'.repeat(10_001) }, /^input\.text: must be at most 10000/],
    ['attribution', { attribution: 'RUMOUR' as never }, /^input\.attribution: must be one of/],
    ['language', { language: 'english' }, /^input\.language: /],
    ['location', { location: { country: 'XX' } }, /^input\.location\.country: unknown country/],
    ['sources', { sources: [] }, /^input\.sources: must have at least one item/],
    ['source url', { sources: [{ url: 'ftp://x.org/a' }] }, /^input\.sources\.0\.url: /],
    [
      'publishedAt',
      { sources: [{ url: 'https://x.org/', publishedAt: 'May 16' }] },
      /^input\.sources\.0\.publishedAt: /,
    ],
  ])('rejects a bad %s naming the field', (_name, overrides, message) => {
    expect(() => normalizeStatementInput(input(overrides), ref)).toThrow(message);
  });

  it('bounds lists to 50 distinct items', () => {
    const many = Array.from({ length: 51 }, (_, i) => `topic-${i}`);
    expect(() => normalizeStatementInput(input({ topics: many }), ref)).toThrow(
      'input.topics: must have at most 50 items',
    );
    expect(
      normalizeStatementInput(input({ topics: [...many.slice(0, 50), 'topic-0'] }), ref).topics,
    ).toHaveLength(50);
  });

  it('deduplicates sources by URL keeping the first', () => {
    const fields = normalizeStatementInput(
      input({
        sources: [
          { url: 'https://a.org/x', outlet: 'A' },
          { url: 'https://b.org/' },
          { url: 'https://a.org/x' },
        ],
      }),
      ref,
    );
    expect(fields.sources).toEqual([{ url: 'https://a.org/x', outlet: 'A' }, { url: 'https://b.org/' }]);
  });

  it('uses the given field prefix', () => {
    expect(() => normalizeStatementInput(input({ targets: ['XX'] }), ref, 'rows.7')).toThrow(
      /^rows\.7\.targets\.0: /,
    );
  });
});

describe('normalizeStatementChanges', () => {
  const current: StatementFields = normalizeStatementInput(input({ language: 'en' }), ref);

  it('returns only the fields whose normalised value differs', () => {
    expect(
      normalizeStatementChanges(
        { targets: ['Turkey'], topics: ['XINJIANG'], text: 'Changed.', kind: 'DISAPPROVE' },
        current,
        ref,
      ),
    ).toEqual({ text: 'Changed.' });
    expect(normalizeStatementChanges({}, current, ref)).toEqual({});
  });

  it('changes kind and Goldstein score with the CAMEO code', () => {
    expect(normalizeStatementChanges({ cameoCode: '112' }, current, ref)).toEqual({
      cameoCode: '112',
      goldstein: -2,
    });
    expect(normalizeStatementChanges({ cameoCode: '14' }, current, ref)).toEqual({
      cameoCode: '14',
      goldstein: -6.5,
      kind: 'PROTEST',
    });
  });

  it('rejects a kind that disagrees with the statement’s CAMEO code', () => {
    const coded = normalizeStatementInput(input({ kind: null, cameoCode: '112' }), ref);
    expect(() => normalizeStatementChanges({ kind: 'DEMAND' }, coded, ref)).toThrow(
      /^input\.kind: kind DEMAND disagrees/,
    );
    expect(normalizeStatementChanges({ kind: 'DEMAND', cameoCode: '10' }, coded, ref)).toEqual({
      kind: 'DEMAND',
      cameoCode: '10',
      goldstein: -5,
    });
  });

  it('lets the speaker country follow a new speaker unless it was set apart', () => {
    const speaker = { name: 'Mevlüt Çavuşoğlu', country: 'TUR' };
    expect(normalizeStatementChanges({ speaker }, current, ref)).toEqual({
      speaker: { name: 'Mevlüt Çavuşoğlu', country: 'TR' },
      speakerCountry: 'TR',
    });
    const apart = { ...current, speakerCountry: 'FR' };
    expect(normalizeStatementChanges({ speaker }, apart, ref)).not.toHaveProperty('speakerCountry');
    expect(normalizeStatementChanges({ speakerCountry: null }, apart, ref)).toEqual({ speakerCountry: 'CN' });
  });

  it('validates changed fields with the same rules and paths as recording', () => {
    expect(() => normalizeStatementChanges({ occurredOn: '2019-13' }, current, ref)).toThrow(
      /^input\.occurredOn: /,
    );
    expect(() => normalizeStatementChanges({ targets: ['TR', 'XX'] }, current, ref)).toThrow(
      /^input\.targets\.1: /,
    );
    expect(() => normalizeStatementChanges({ text: null as never }, current, ref)).toThrow(
      'input.text: is required',
    );
    expect(() => normalizeStatementChanges({ sources: [] }, current, ref)).toThrow(/^input\.sources: /);
    expect(() => normalizeStatementChanges({ id: 'x' } as never, current, ref)).toThrow(/^input\.id: /);
  });

  it('refuses to remove an optional value it cannot express as a change', () => {
    expect(() => normalizeStatementChanges({ language: null }, current, ref)).toThrow(
      /^input\.language: a correction cannot remove/,
    );
    expect(normalizeStatementChanges({ location: null, cameoCode: null }, current, ref)).toEqual({});
  });
});
