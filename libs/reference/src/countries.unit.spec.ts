import {
  CAMEO_REGION_CODES,
  alpha3To2,
  countryList,
  countryName,
  countryResolver,
  isAlpha3Country,
  isCameoRegionCode,
  resolveCountry,
} from './countries.js';

describe('country resolver', () => {
  it.each(['TUR', 'tur', 'Turkey', 'turkey', 'tr', 'TR', 'Türkiye', 'Turkiye', '  Turkey  '])(
    'resolves %p to TR',
    (input) => {
      expect(countryResolver.resolve(input)).toBe('TR');
    },
  );

  it.each(['XX', 'XXX', '', '   ', 'Atlantis', 'AFR', 'Korea'])('does not resolve %p', (input) => {
    expect(resolveCountry(input)).toBeUndefined();
  });

  it.each([
    ['Syria', 'SY'],
    ['Laos', 'LA'],
    ['Swaziland', 'SZ'],
    ['Holy See', 'VA'],
    ['Occupied Palestinian Territory', 'PS'],
    ['Democratic Republic of Congo', 'CD'],
    ['the former Yugoslav Republic of Macedonia', 'MK'],
    ['Russia', 'RU'],
    ['Iran', 'IR'],
    ['South Korea', 'KR'],
    ['North Korea', 'KP'],
    ['Vietnam', 'VN'],
    ['Bolivia', 'BO'],
    ['Venezuela', 'VE'],
    ['Tanzania', 'TZ'],
    ['Moldova', 'MD'],
    ['Macedonia', 'MK'],
    ['Czech Republic', 'CZ'],
    ['Ivory Coast', 'CI'],
    ['Kosovo', 'XK'],
    ['XK', 'XK'],
    ['United States', 'US'],
    ['USA', 'US'],
    ['US', 'US'],
    ['United Kingdom', 'GB'],
    ['UK', 'GB'],
    ['Britain', 'GB'],
    ['Taiwan', 'TW'],
    ['Palestine', 'PS'],
    ['Micronesia', 'FM'],
    ['Cape Verde', 'CV'],
    ['Brunei', 'BN'],
    ['Burma', 'MM'],
    ['Myanmar', 'MM'],
    ['Congo', 'CG'],
    ['The Netherlands', 'NL'],
    ['Côte d’Ivoire', 'CI'],
  ])('resolves the name %p to %s', (name, alpha2) => {
    expect(resolveCountry(name)).toBe(alpha2);
    expect(resolveCountry(name.toUpperCase())).toBe(alpha2);
  });

  it('maps alpha-3 codes, including legacy CAMEO ones, and rejects regions', () => {
    expect(alpha3To2('CHN')).toBe('CN');
    expect(alpha3To2('rom')).toBe('RO');
    expect(alpha3To2('AFR')).toBeUndefined();
    expect(alpha3To2('CN')).toBeUndefined();
    expect(isAlpha3Country('PSE')).toBe(true);
    expect(isAlpha3Country('PGS')).toBe(false);
  });

  it('knows CAMEO region codes and none of them is a country', () => {
    for (const code of ['AFR', 'EUR', 'NMR', 'SEA', 'PGS', 'WST', 'WSB'])
      expect(isCameoRegionCode(code)).toBe(true);
    for (const code of CAMEO_REGION_CODES.keys()) expect(isAlpha3Country(code)).toBe(false);
    expect(isCameoRegionCode('TUR')).toBe(false);
  });

  it('names a country in English', () => {
    expect(countryName('TR')).toBe('Türkiye');
    expect(countryName('cn')).toBe("People's Republic of China");
    expect(countryName('XX')).toBeUndefined();
  });
});

describe("the country list (the explorer's picker)", () => {
  it('holds every alpha-2 code once, each with its name, sorted by name', () => {
    const list = countryList();
    expect(list.length).toBeGreaterThan(240);
    expect(new Set(list.map((c) => c.code)).size).toBe(list.length);
    expect(list).toContainEqual({ code: 'TR', name: countryName('TR') });
    expect(list).toContainEqual({ code: 'XK', name: countryName('XK') ?? 'XK' });
    const names = list.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    expect(list.every((c) => resolveCountry(c.code) === c.code)).toBe(true);
  });
});
