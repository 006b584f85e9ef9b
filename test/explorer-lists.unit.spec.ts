import { ATTRIBUTIONS, COUNTRY_ROLES, STATEMENT_KINDS } from '#domain';
import * as explorer from '../apps/web/src/graphql.js';

/*
 * The explorer bundles no domain code (its ESLint rule: only #reference), so it restates the domain's
 * enumerations for its pickers; this keeps the two lists the same.
 */
describe("the explorer's pickers", () => {
  it('offer exactly the domain kinds, attributions and country roles, in its order', () => {
    expect([...explorer.KINDS]).toEqual([...STATEMENT_KINDS]);
    expect([...explorer.ATTRIBUTIONS]).toEqual([...ATTRIBUTIONS]);
    expect([...explorer.ROLES]).toEqual([...COUNTRY_ROLES]);
  });
});
