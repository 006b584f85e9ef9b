/**
 * What the domain needs to know about the world, as ports: the domain imports no data set itself.
 * libs/reference implements both; tests may pass small fakes.
 */
export interface CountryResolver {
  /** alpha-2 for an alpha-2 or alpha-3 code or an English name (case-insensitive), else undefined. */
  resolve(input: string): string | undefined;
}

export interface CameoEntry {
  /** full code, e.g. `0214` */
  code: string;
  name: string;
  /** two-digit root, e.g. `02` */
  root: string;
  goldstein: number;
}

export interface CameoCodebook {
  lookup(code: string): CameoEntry | undefined;
}

export interface ReferenceData {
  countries: CountryResolver;
  cameo: CameoCodebook;
}
