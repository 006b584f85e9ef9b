import { ValidationError } from './errors.js';
import type { CameoCodebook, CameoEntry } from './reference-ports.js';
import type { StatementKind } from './statement.js';

/** The statement kind of each verbal CAMEO root; every other root is `OTHER`. */
export const CAMEO_ROOT_KINDS: Readonly<Record<string, StatementKind>> = {
  '01': 'STATEMENT',
  '02': 'APPEAL',
  '03': 'INTENT_TO_COOPERATE',
  '04': 'CONSULT',
  '05': 'DIPLOMATIC_COOPERATION',
  '10': 'DEMAND',
  '11': 'DISAPPROVE',
  '12': 'REJECT',
  '13': 'THREATEN',
  '14': 'PROTEST',
};

/** The CAMEO root (first two digits) of a code such as `0214`. */
export const cameoRootOf = (code: string): string => code.slice(0, 2);

/** `STATEMENT` for root `01` ... `PROTEST` for `14`; any other root is `OTHER`. */
export const kindFromCameoRoot = (root: string): StatementKind =>
  Object.hasOwn(CAMEO_ROOT_KINDS, root) ? CAMEO_ROOT_KINDS[root] : 'OTHER';

/** True for the verbal roots, 01-05 and 10-14: what an importer keeps as statements. */
export const isVerbalRoot = (root: string): boolean => Object.hasOwn(CAMEO_ROOT_KINDS, root);

const CAMEO_CODE = /^\d{2,4}$/;

/** A CAMEO code of 2-4 digits that exists in the codebook; returns its codebook entry. */
export function parseCameoCode(value: unknown, field: string, cameo: CameoCodebook): CameoEntry {
  if (typeof value !== 'string' || !CAMEO_CODE.test(value.trim())) {
    throw new ValidationError(field, `must be a CAMEO code of 2 to 4 digits, got ${JSON.stringify(value)}`);
  }
  const entry = cameo.lookup(value.trim());
  if (entry === undefined) throw new ValidationError(field, `unknown CAMEO code "${value.trim()}"`);
  return entry;
}
