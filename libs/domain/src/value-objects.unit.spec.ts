import { isVerbalRoot, kindFromCameoRoot, parseCameoCode } from './cameo.js';
import { canonicalJson } from './canonical-json.js';
import { ValidationError } from './errors.js';
import { fakeReference } from './testing/fake-reference.js';
import {
  parseCountry,
  parseInstant,
  parseLanguage,
  parseList,
  parseOptionalText,
  parseText,
  parseTopic,
  parseUrl,
  canonicalId,
  parseUuid,
} from './value-objects.js';

const { countries, cameo } = fakeReference;

/** The `field: reason` message of the ValidationError that `fn` throws. */
function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}

describe('countries', () => {
  it.each(['TR', 'tr', 'TUR', 'Turkey', 'Türkiye', ' turkey '])('resolves %p to alpha-2 TR', (input) => {
    expect(parseCountry(input, 'input.targets.0', countries)).toBe('TR');
  });

  it('names the field and the accepted forms for an unknown country', () => {
    const error = validationMessage(() => parseCountry('XX', 'input.targets.0', countries));
    expect(error).toMatch(/^input\.targets\.0: unknown country "XX"/);
    expect(error).toContain('alpha-2 or alpha-3 code or an English name');
  });

  it('rejects a blank or non-string country', () => {
    expect(() => parseCountry('  ', 'input.speakerCountry', countries)).toThrow(/^input\.speakerCountry: /);
    expect(() => parseCountry(42, 'input.speakerCountry', countries)).toThrow(/^input\.speakerCountry: /);
  });
});

describe('topic slugs', () => {
  it.each([
    ['xinjiang', 'xinjiang'],
    ['Xinjiang', 'xinjiang'],
    ['  Counter-Terrorism ', 'counter-terrorism'],
    ['g20', 'g20'],
  ])('normalises %p to %p', (input, slug) => {
    expect(parseTopic(input, 'topics.0')).toBe(slug);
  });

  it.each(['human rights', 'human_rights', 'a--b', '-a', 'a-', 'ünïcode', '', 'x'.repeat(65)])(
    'rejects %p naming the field',
    (input) => {
      expect(() => parseTopic(input, 'topics.2')).toThrow(/^topics\.2: /);
    },
  );

  it('states the slug rule', () => {
    expect(validationMessage(() => parseTopic('human rights', 'input.topics.0'))).toMatch(
      /^input\.topics\.0: "human rights" is not a topic slug: use lower-case letters and digits/,
    );
  });

  it('accepts 64 characters', () => {
    expect(parseTopic('a'.repeat(64), 'topics.0')).toHaveLength(64);
  });
});

describe('CAMEO', () => {
  it.each([
    ['01', 'STATEMENT'],
    ['02', 'APPEAL'],
    ['03', 'INTENT_TO_COOPERATE'],
    ['04', 'CONSULT'],
    ['05', 'DIPLOMATIC_COOPERATION'],
    ['10', 'DEMAND'],
    ['11', 'DISAPPROVE'],
    ['12', 'REJECT'],
    ['13', 'THREATEN'],
    ['14', 'PROTEST'],
    ['06', 'OTHER'],
    ['09', 'OTHER'],
    ['15', 'OTHER'],
    ['20', 'OTHER'],
    ['constructor', 'OTHER'],
  ])('root %s is %s', (root, kind) => {
    expect(kindFromCameoRoot(root)).toBe(kind);
    expect(isVerbalRoot(root)).toBe(kind !== 'OTHER');
  });

  it('looks a code up in the codebook and rejects unknown or malformed codes', () => {
    expect(parseCameoCode('0214', 'input.cameoCode', cameo)).toMatchObject({ root: '02', goldstein: 3.4 });
    expect(() => parseCameoCode('0999', 'input.cameoCode', cameo)).toThrow(
      'input.cameoCode: unknown CAMEO code "0999"',
    );
    expect(() => parseCameoCode('2', 'input.cameoCode', cameo)).toThrow(/^input\.cameoCode: /);
    expect(() => parseCameoCode('02145', 'input.cameoCode', cameo)).toThrow(/^input\.cameoCode: /);
  });
});

describe('text', () => {
  it('trims, normalises to NFC and keeps line breaks where multiline', () => {
    expect(parseText('  Cafe\u0301 \r\nline two ', 'input.text', { max: 100, multiline: true })).toBe(
      'Caf\u00e9 \nline two',
    );
  });

  it('rejects control characters, line breaks in single-line fields, blanks and overlong values', () => {
    expect(() => parseText('a\u0007b', 'input.text', { max: 100, multiline: true })).toThrow(
      'input.text: must not contain control characters',
    );
    expect(() => parseText('a\nb', 'input.speaker.name', { max: 100 })).toThrow(/control characters/);
    expect(() => parseText('a\u0085b', 'input.speaker.name', { max: 100 })).toThrow(/control characters/);
    expect(() => parseText('   ', 'input.text', { max: 100 })).toThrow('input.text: must not be empty');
    expect(() => parseText(null, 'input.text', { max: 100 })).toThrow('input.text: is required');
    expect(() => parseText('abcd', 'input.text', { max: 3 })).toThrow(
      'input.text: must be at most 3 characters',
    );
    expect(parseText('🇹🇷🇹🇷', 'x', { max: 4 })).toBe('🇹🇷🇹🇷');
  });

  it('treats null and blank optional text as absent', () => {
    expect(parseOptionalText(null, 'x', { max: 5 })).toBeUndefined();
    expect(parseOptionalText(' ', 'x', { max: 5 })).toBeUndefined();
    expect(parseOptionalText(undefined, 'x', { max: 5 })).toBeUndefined();
  });
});

describe('other value objects', () => {
  it('accepts UUIDs only', () => {
    expect(parseUuid('0f8fad5b-d9cb-469f-a165-70867728950e', 'input.id')).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
    expect(() => parseUuid('statement-1', 'input.id')).toThrow(/^input\.id: must be a UUID/);
  });

  it('canonicalises a UUID to lower case, so one id in either case is one statement', () => {
    expect(parseUuid('0F8FAD5B-D9CB-469F-A165-70867728950E', 'input.id')).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
    expect(canonicalId(' 0F8FAD5B-D9CB-469F-A165-70867728950E ')).toBe(
      ' 0F8FAD5B-D9CB-469F-A165-70867728950E ',
    );
    expect(canonicalId('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(canonicalId('Not-A-Uuid')).toBe('Not-A-Uuid');
  });

  it.each([
    ['en', 'en'],
    ['EN-gb', 'en-GB'],
    ['zh-hans-cn', 'zh-Hans-CN'],
    ['sr-Latn', 'sr-Latn'],
  ])('normalises the language tag %p to %p', (input, tag) => {
    expect(parseLanguage(input, 'input.language')).toBe(tag);
  });

  it.each(['english', 'e', 'en_GB', 'en-', '12'])('rejects the language tag %p', (input) => {
    expect(() => parseLanguage(input, 'input.language')).toThrow(/^input\.language: /);
  });

  it('accepts absolute http(s) URLs only', () => {
    expect(parseUrl(' https://www.fmprc.gov.cn/eng/ ', 'source.url')).toBe('https://www.fmprc.gov.cn/eng/');
    expect(parseUrl('HTTP://Example.com', 'source.url')).toBe('http://example.com/');
    for (const bad of ['ftp://example.com/x', '/relative/path', 'example.com', 'javascript:alert(1)', '']) {
      expect(() => parseUrl(bad, 'source.url')).toThrow(/^source\.url: /);
    }
    expect(() => parseUrl(`https://example.com/${'a'.repeat(2048)}`, 'source.url')).toThrow(/at most 2048/);
  });

  it('normalises ISO-8601 instants and rejects dates that do not exist', () => {
    expect(parseInstant('2019-05-16T10:30:00+02:00', 'source.publishedAt')).toBe('2019-05-16T08:30:00.000Z');
    expect(parseInstant('2019-05-16T08:30Z', 'source.publishedAt')).toBe('2019-05-16T08:30:00.000Z');
    for (const bad of ['2019-02-30T00:00:00Z', '2019-05-16', '2019-05-16T25:00:00Z', '16/05/2019', 'now']) {
      expect(() => parseInstant(bad, 'source.publishedAt')).toThrow(/^source\.publishedAt: /);
    }
  });

  it('bounds lists, deduplicates keeping order and names the index of a bad item', () => {
    const parse = (value: unknown) =>
      parseList(value, 'input.targets', { max: 3 }, (item, field) => parseCountry(item, field, countries));
    expect(parse(['Turkey', 'CN', 'TUR', 'china'])).toEqual(['TR', 'CN']);
    expect(parse(null)).toEqual([]);
    expect(() => parse(['TR', 'XX'])).toThrow(/^input\.targets\.1: unknown country "XX"/);
    expect(() => parse(['TR', 'CN', 'US', 'FR'])).toThrow('input.targets: must have at most 3 items');
    expect(() => parse('TR')).toThrow('input.targets: must be a list');
  });

  it('serialises equal values with keys in any order to the same canonical JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2}]},"b":1}',
    );
  });
});

describe('hostile text', () => {
  it('refuses unpaired surrogates anywhere, naming the field and the rule', () => {
    expect(() => parseText('abc\uD800', 'input.text', { max: 100, multiline: true })).toThrow(
      'input.text: must be well-formed Unicode (it holds an unpaired surrogate)',
    );
    expect(() => parseText('\uDC00x', 'input.speaker.name', { max: 100 })).toThrow(/unpaired surrogate/);
    // a proper pair (an emoji) is fine
    expect(parseText('ok \u{1F600}', 'input.speaker.name', { max: 100 })).toBe('ok \u{1F600}');
  });

  it('refuses bidirectional overrides and line separators in one-line values, keeps them in multi-line text', () => {
    expect(() => parseText('Wang\u202EYi', 'input.speaker.name', { max: 100 })).toThrow(
      /input.speaker.name: must not contain bidirectional control characters/,
    );
    expect(() => parseText('a\u2028b', 'input.sources.0.outlet', { max: 100 })).toThrow(/line separators/);
    expect(parseText('\u2067مرحبا\u2069 said', 'input.text', { max: 100, multiline: true })).toBe(
      '\u2067مرحبا\u2069 said',
    );
  });

  it('refuses invisible format characters (Cf) in one-line values naming the field, keeps them in text', () => {
    for (const ch of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u{E0041}']) {
      expect(() => parseText(`Pu${ch}tin`, 'input.speaker.name', { max: 100 })).toThrow(
        /^input\.speaker\.name: must not contain invisible format characters \(Unicode category Cf/,
      );
      expect(() => parseOptionalText(`Reu${ch}ters`, 'input.sources.0.outlet', { max: 100 })).toThrow(
        /^input\.sources\.0\.outlet: must not contain invisible format characters/,
      );
    }
    expect(() => parseText('a\u200Bb', 'x', { max: 100 })).toThrow(/found U\+200B$/);
    expect(parseText('zero\u200Bwidth in the text', 'input.text', { max: 100, multiline: true })).toBe(
      'zero\u200Bwidth in the text',
    );
  });

  it('normalises to NFC, so two spellings of one name are one value', () => {
    expect(parseText('Çavuşoğlu'.normalize('NFD'), 'input.speaker.name', { max: 100 })).toBe(
      'Çavuşoğlu'.normalize('NFC'),
    );
  });

  it('refuses a list far longer than its bound before parsing its items', () => {
    const parsed: unknown[] = [];
    const huge = Array.from({ length: 501 }, () => 'same');
    expect(() =>
      parseList(huge, 'input.topics', { max: 50 }, (item) => {
        parsed.push(item);
        return String(item);
      }),
    ).toThrow('input.topics: must have at most 50 items (got 501)');
    expect(parsed).toEqual([]);
    // duplicates within ten times the bound are still folded
    expect(
      parseList(
        Array.from({ length: 500 }, () => 'same'),
        'input.topics',
        { max: 50 },
        String,
      ),
    ).toEqual(['same']);
  });

  it('accepts only http and https URLs', () => {
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'ftp://example.org/',
    ]) {
      expect(() => parseUrl(url, 'input.sources.0.url')).toThrow(
        /input.sources.0.url: must be an http or https URL/,
      );
    }
  });
});
