import type { CameoEntry, ReferenceData } from '../reference-ports.js';

/**
 * A small stand-in for libs/reference in domain specs (the domain may not import it): a handful of countries
 * by alpha-2, alpha-3 and English name, and a few CAMEO codes with their public Goldstein scores.
 */
const COUNTRIES: Record<string, string[]> = {
  TR: ['TUR', 'Turkey', 'Türkiye'],
  CN: ['CHN', 'China'],
  US: ['USA', 'United States'],
  FR: ['FRA', 'France'],
  DE: ['DEU', 'Germany'],
  GB: ['GBR', 'United Kingdom'],
  CH: ['CHE', 'Switzerland'],
  RU: ['RUS', 'Russia'],
};

const NAMES = new Map<string, string>();
for (const [alpha2, others] of Object.entries(COUNTRIES)) {
  for (const name of [alpha2, ...others]) NAMES.set(name.toLowerCase(), alpha2);
}

const CAMEO: CameoEntry[] = (
  [
    ['01', 0, 'Make public statement'],
    ['010', 0, 'Make statement'],
    ['02', 3, 'Appeal'],
    ['022', 3.4, 'Appeal for diplomatic cooperation'],
    ['0214', 3.4, 'Appeal for intelligence'],
    ['04', 1, 'Consult'],
    ['10', -5, 'Demand'],
    ['11', -2, 'Disapprove'],
    ['112', -2, 'Accuse'],
    ['14', -6.5, 'Protest'],
    ['19', -10, 'Fight'],
    ['190', -10, 'Use conventional military force'],
  ] as const
).map(([code, goldstein, name]) => ({ code, goldstein, name, root: code.slice(0, 2) }));

export const fakeReference: ReferenceData = {
  countries: { resolve: (input) => NAMES.get(input.trim().toLowerCase()) },
  cameo: { lookup: (code) => CAMEO.find((entry) => entry.code === code) },
};
