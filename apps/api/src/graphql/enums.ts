import { registerEnumType } from '@nestjs/graphql';
import { ATTRIBUTIONS, COUNTRY_ROLES, STATEMENT_KINDS, STATEMENT_STATUSES } from '#domain';

/** GraphQL enums built from the domain's value lists, so the two can never drift apart. */
const enumOf = <T extends string>(values: readonly T[]): { [K in T]: K } =>
  Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };

export const StatementKindEnum = enumOf(STATEMENT_KINDS);
export const AttributionEnum = enumOf(ATTRIBUTIONS);
export const StatementStatusEnum = enumOf(STATEMENT_STATUSES);
export const CountryRoleEnum = enumOf(COUNTRY_ROLES);
export const SortOrderEnum = { ASC: 'ASC', DESC: 'DESC' } as const;
export type SortOrder = keyof typeof SortOrderEnum;

registerEnumType(StatementKindEnum, {
  name: 'StatementKind',
  description: 'The CAMEO verbal root of a statement; OTHER for any other root.',
});
registerEnumType(AttributionEnum, { name: 'Attribution', description: 'How the words reached the record.' });
registerEnumType(StatementStatusEnum, { name: 'StatementStatus' });
registerEnumType(CountryRoleEnum, {
  name: 'CountryRole',
  description: 'Why a statement is on a country timeline: its speaker country, a target, or mentioned.',
});
registerEnumType(SortOrderEnum, { name: 'SortOrder' });
