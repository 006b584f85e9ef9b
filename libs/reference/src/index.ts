import { cameoCodebook, type CameoCode } from './cameo.js';
import { commonCountryName, countryResolver } from './countries.js';

export * from './countries.js';
export * from './cameo.js';

/**
 * The reference data the domain's ports ask for. libs/reference is a leaf and imports nothing from #domain;
 * this shape matches `ReferenceData` there structurally, so `referenceData` can be passed wherever the
 * domain wants one.
 */
export interface ReferenceDataShape {
  countries: { resolve(input: string): string | undefined };
  cameo: { lookup(code: string): CameoCode | undefined };
}

export const referenceData: ReferenceDataShape = { countries: countryResolver, cameo: cameoCodebook };

/** The names a headline uses (the read model's `HeadlineNames` port): country names and CAMEO event names. */
export const headlineNames = {
  country: (alpha2: string): string | undefined => commonCountryName(alpha2),
  cameo: (code: string): string | undefined => cameoCodebook.lookup(code)?.name,
};
