/**
 * ISO 3166-1 countries on `i18n-iso-countries`, plus the names and codes that real event data uses and the
 * ISO list lacks (ICEWS writes "Syria", "Laos", "Occupied Palestinian Territory"; GDELT mixes CAMEO region
 * codes into its alpha-3 country columns).
 */
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };

// The package's Node entry registers every locale itself; registering English explicitly keeps this module
// correct under a bundler or the package's browser entry too. Registering twice is harmless.
countries.registerLocale(en);

/**
 * Names the English ISO list does not carry, or carries in another form, mapped to alpha-2. Keys are
 * compared after `nameKey` normalisation (case, diacritics, punctuation spacing), so write them plainly.
 */
const ALIASES: Readonly<Record<string, string>> = {
  // ICEWS spellings
  syria: 'SY',
  laos: 'LA',
  swaziland: 'SZ',
  'holy see': 'VA',
  vatican: 'VA',
  'vatican city': 'VA',
  'occupied palestinian territory': 'PS',
  'palestinian territories': 'PS',
  'palestinian territory': 'PS',
  palestine: 'PS',
  'democratic republic of congo': 'CD',
  'democratic republic of the congo': 'CD',
  'dr congo': 'CD',
  drc: 'CD',
  'congo-kinshasa': 'CD',
  zaire: 'CD',
  // ISO's short name for CG is "Congo"; the package lists "Congo" under both Congos.
  congo: 'CG',
  'republic of congo': 'CG',
  'republic of the congo': 'CG',
  'congo-brazzaville': 'CG',
  'the former yugoslav republic of macedonia': 'MK',
  'former yugoslav republic of macedonia': 'MK',
  fyrom: 'MK',
  macedonia: 'MK',
  'north macedonia': 'MK',
  // common short forms
  russia: 'RU',
  iran: 'IR',
  'south korea': 'KR',
  'north korea': 'KP',
  "democratic people's republic of korea": 'KP',
  dprk: 'KP',
  vietnam: 'VN',
  'viet nam': 'VN',
  bolivia: 'BO',
  venezuela: 'VE',
  tanzania: 'TZ',
  moldova: 'MD',
  'czech republic': 'CZ',
  czechia: 'CZ',
  'ivory coast': 'CI',
  "cote d'ivoire": 'CI',
  kosovo: 'XK',
  'united states': 'US',
  'united states of america': 'US',
  usa: 'US',
  us: 'US',
  'u.s.': 'US',
  'united kingdom': 'GB',
  uk: 'GB',
  britain: 'GB',
  'great britain': 'GB',
  taiwan: 'TW',
  micronesia: 'FM',
  'federated states of micronesia': 'FM',
  'cape verde': 'CV',
  'cabo verde': 'CV',
  brunei: 'BN',
  burma: 'MM',
  myanmar: 'MM',
  turkey: 'TR',
  turkiye: 'TR',
  'east timor': 'TL',
  'timor leste': 'TL',
  'united arab emirates': 'AE',
  uae: 'AE',
  'the bahamas': 'BS',
  bahamas: 'BS',
  gambia: 'GM',
  'the gambia': 'GM',
  macau: 'MO',
  macao: 'MO',
  'hong kong': 'HK',
  'south sudan': 'SS',
  'saint kitts and nevis': 'KN',
  'st. kitts and nevis': 'KN',
  'saint lucia': 'LC',
  'st. lucia': 'LC',
  'saint vincent and the grenadines': 'VC',
  'st. vincent and the grenadines': 'VC',
  'sao tome and principe': 'ST',
  'vatican city state': 'VA',
};

/**
 * Legacy or CAMEO-specific three-letter country codes seen in event data, mapped to alpha-2. CAMEO kept
 * some codes after ISO changed them (Romania `ROM`, Zaire `ZAR`, East Timor `TMP`) and gives Kosovo `KSV`.
 */
const LEGACY_ALPHA3: Readonly<Record<string, string>> = {
  ROM: 'RO',
  ZAR: 'CD',
  TMP: 'TL',
  KSV: 'XK',
  XKX: 'XK',
};

/**
 * CAMEO actor codes in the country position that are regions or places, not countries (GDELT writes them
 * in `Actor*CountryCode`). An importer drops them instead of reporting an unknown country.
 */
export const CAMEO_REGION_CODES: ReadonlyMap<string, string> = new Map([
  ['AFR', 'Africa'],
  ['ASA', 'Asia'],
  ['BLK', 'Balkans'],
  ['CRB', 'Caribbean'],
  ['CAU', 'Caucasus'],
  ['CFR', 'Central Africa'],
  ['CAS', 'Central Asia'],
  ['CEU', 'Central Europe'],
  ['EIN', 'East Indies'],
  ['EAF', 'Eastern Africa'],
  ['EEU', 'Eastern Europe'],
  ['EUR', 'Europe'],
  ['LAM', 'Latin America'],
  ['MEA', 'Middle East'],
  ['MDT', 'Mediterranean'],
  ['NAF', 'North Africa'],
  ['NMR', 'North America'],
  ['PGS', 'Persian Gulf'],
  ['SCN', 'Scandinavia'],
  ['SAM', 'South America'],
  ['SAS', 'South Asia'],
  ['SEA', 'Southeast Asia'],
  ['SAF', 'Southern Africa'],
  ['WAF', 'West Africa'],
  ['WST', 'The West'],
  ['WSB', 'West Bank'],
  ['GZS', 'Gaza Strip'],
  ['BAG', 'Baghdad'],
]);

/** True for a CAMEO region/place code such as `AFR` or `PGS` (case-insensitive). */
export const isCameoRegionCode = (code: string): boolean => CAMEO_REGION_CODES.has(code.trim().toUpperCase());

/** Lower case, no diacritics, one space between words, straight apostrophes: the key names are matched by. */
export function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const ALPHA2_CODES: ReadonlySet<string> = new Set(Object.keys(countries.getAlpha2Codes()));

const NAME_INDEX: ReadonlyMap<string, string> = buildNameIndex();

function buildNameIndex(): Map<string, string> {
  const index = new Map<string, string>();
  const ambiguous = new Set<string>();
  const names = countries.getNames('en', { select: 'all' });
  for (const [alpha2, list] of Object.entries(names)) {
    for (const name of list) {
      const key = nameKey(name);
      const seen = index.get(key);
      if (seen !== undefined && seen !== alpha2) ambiguous.add(key);
      else index.set(key, alpha2);
    }
  }
  // A name the package gives to two countries ("Congo") resolves only through an explicit alias.
  for (const key of ambiguous) index.delete(key);
  for (const [alias, alpha2] of Object.entries(ALIASES)) index.set(nameKey(alias), alpha2);
  return index;
}

/** Alpha-2 for an ISO alpha-3 code (or a legacy CAMEO one such as `ROM`), case-insensitive, else undefined. */
export function alpha3To2(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(upper)) return undefined;
  return countries.alpha3ToAlpha2(upper) ?? LEGACY_ALPHA3[upper];
}

/** True when `code` is a country's alpha-3 code (ISO or legacy CAMEO), not a region such as `AFR`. */
export const isAlpha3Country = (code: string): boolean => alpha3To2(code) !== undefined;

/** True when `code` is an ISO 3166-1 alpha-2 code known here (including `XK`, Kosovo), case-insensitive. */
export const isAlpha2Country = (code: string): boolean => ALPHA2_CODES.has(code.trim().toUpperCase());

/** The English short name of an alpha-2 code (`TR` -> `Türkiye`), else undefined. */
export function countryName(alpha2: string): string | undefined {
  return countries.getName(alpha2.trim().toUpperCase(), 'en', { select: 'official' });
}

/**
 * The name people use for a country in a headline: the official short name, unless it is a formal one ("United
 * States of America", "Russian Federation", "Islamic Republic of Iran", "Taiwan, Province of China") and the
 * data set knows a plain alias ("United States", "Russia", "Iran", "Taiwan"); else undefined.
 */
export function commonCountryName(alpha2: string): string | undefined {
  const names = countries.getName(alpha2.trim().toUpperCase(), 'en', { select: 'all' });
  const [official, ...aliases] = names ?? [];
  if (official === undefined) return undefined;
  if (!/,| of |Federation|People's|Republic/.test(official)) return official;
  const plain = aliases.find((alias) => !alias.includes(',') && !/^[A-Z.]+$/.test(alias));
  return plain ?? official;
}

/**
 * Alpha-2 for an alpha-2 code, an alpha-3 code or an English name (case- and diacritic-insensitive, with the
 * aliases above), else undefined. Structurally a `CountryResolver` of #domain.
 */
export function resolveCountry(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed === '') return undefined;
  const upper = trimmed.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && ALPHA2_CODES.has(upper)) return upper;
  if (/^[A-Z]{3}$/.test(upper)) {
    const alpha2 = alpha3To2(upper);
    if (alpha2 !== undefined) return alpha2;
  }
  const key = nameKey(trimmed);
  return NAME_INDEX.get(key) ?? (key.startsWith('the ') ? NAME_INDEX.get(key.slice(4)) : undefined);
}

export const countryResolver = {
  resolve: resolveCountry,
};

/** Every alpha-2 code known here with its English short name, by name (the explorer's country picker). */
export function countryList(): { code: string; name: string }[] {
  return [...ALPHA2_CODES]
    .map((code) => ({ code, name: countryName(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
}
