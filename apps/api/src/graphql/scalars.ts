import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/**
 * Custom scalars of DESIGN §8. Input scalars check the shape only; the meaning (a real calendar date, a
 * known country) is checked by the domain, whose errors name the field.
 */

function badInput(scalar: string, reason: string): GraphQLError {
  return new GraphQLError(`${scalar}: ${reason}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

function stringScalar(name: string, description: string, check: (value: string) => string) {
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => String(value),
    parseValue: (value) => {
      if (typeof value !== 'string') throw badInput(name, `expected a string, got ${typeof value}`);
      return check(value);
    },
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING) throw badInput(name, `expected a string literal`);
      return check(ast.value);
    },
  });
}

const MAX_SCALAR_LENGTH = 100;
const bounded = (name: string) => (value: string) => {
  if (value.length > MAX_SCALAR_LENGTH) throw badInput(name, `longer than ${MAX_SCALAR_LENGTH} characters`);
  return value;
};

export const PartialDateScalar = stringScalar(
  'PartialDate',
  'A date as precise as it is known: "2019", "2019-05" or "2019-05-16".',
  bounded('PartialDate'),
);

export const CountryCodeScalar = stringScalar(
  'CountryCode',
  'ISO 3166-1 alpha-2 on output; input may be alpha-2, alpha-3 or an English country name.',
  bounded('CountryCode'),
);

export const DateTimeScalar = stringScalar('DateTime', 'An ISO-8601 instant.', (value) => {
  if (value.length > 40 || Number.isNaN(Date.parse(value)))
    throw badInput('DateTime', `"${value}" is not an ISO-8601 instant`);
  return new Date(value).toISOString();
});

const POSITION = /^(0|[1-9][0-9]{0,19})$/;
export const PositionScalar = new GraphQLScalarType<bigint, string>({
  name: 'Position',
  description: 'A global event-log position, as a decimal string (it may exceed 2^53).',
  serialize: (value) => String(value),
  parseValue: (value) => parsePosition(typeof value === 'number' ? String(value) : value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT)
      throw badInput('Position', 'expected a decimal string');
    return parsePosition(ast.value);
  },
});

function parsePosition(value: unknown): bigint {
  if (typeof value !== 'string' || !POSITION.test(value))
    throw badInput('Position', 'expected a decimal string');
  return BigInt(value);
}

export const JsonScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: () => {
    throw badInput('JSON', 'JSON values are output only');
  },
});
