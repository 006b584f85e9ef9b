/**
 * Typed domain errors. The API maps `code` to GraphQL `extensions.code` and the CLI prints `message`.
 */
export type DomainErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** Input that breaks a rule. `field` is the path of the offending field, e.g. `input.targets.1`. */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ValidationError';
  }
}

export class StatementNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly statementId: string) {
    super(`statement ${statementId} not found`);
    this.name = 'StatementNotFoundError';
  }
}

/**
 * The command conflicts with the statement's current state: a different statement already recorded under
 * this id, a retracted statement asked to change, or (from the application layer) a stale expected version.
 */
export class StatementConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    message: string,
    readonly expectedVersion?: number,
    readonly actualVersion?: number,
  ) {
    super(message);
    this.name = 'StatementConflictError';
  }
}
