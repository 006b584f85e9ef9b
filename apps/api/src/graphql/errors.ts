import {
  ArgumentMetadata,
  Catch,
  HttpException,
  Logger,
  ValidationPipe,
  type ValidationError as ClassValidatorError,
} from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { FastifyReply } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, StatementConflictError, ValidationError, canonicalId } from '#domain';
import { InvalidArgumentError } from '#read-model';

/** Error codes of DESIGN §8 (extensions.code). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TIMEOUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'STORAGE_FULL'
  | 'INTERNAL_SERVER_ERROR';

export const badUserInput = (field: string, reason: string): GraphQLError =>
  new GraphQLError(`${field}: ${reason}`, { extensions: { code: 'BAD_USER_INPUT', field, reason } });

/** Input rejected by class-validator, with the path of every offending field. */
export class InputValidationError extends Error {
  constructor(readonly problems: { field: string; reason: string }[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
    this.name = 'InputValidationError';
  }
  prefixed(prefix: string): InputValidationError {
    return new InputValidationError(
      this.problems.map((p) => ({ field: p.field ? `${prefix}.${p.field}` : prefix, reason: p.reason })),
    );
  }
}

function flatten(errors: ClassValidatorError[], path = ''): { field: string; reason: string }[] {
  return errors.flatMap((error) => {
    const field = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Statement ids (the `id` and `respondsTo` arguments, the `input` argument's `id`) in their canonical form before they
 * reach the domain: a UUID in lower case, so `ABC…` and `abc…` name one statement (libs/domain `canonicalId`).
 */
function canonicalIds(value: unknown, metadata: ArgumentMetadata): unknown {
  if (metadata.data === 'id' || metadata.data === 'respondsTo') return canonicalId(value);
  // the `input` argument only: other parameters (a field resolver's parent) are not client input
  if (metadata.data === 'input' && typeof value === 'object' && value !== null && 'id' in value) {
    const input = value as { id: unknown };
    input.id = canonicalId(input.id);
  }
  return value;
}

/** Nest's ValidationPipe, reporting failures as InputValidationError with full field paths. */
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidUnknownValues: false,
      exceptionFactory: (errors) => new InputValidationError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return canonicalIds(await super.transform(value, metadata), metadata);
    } catch (error) {
      if (error instanceof InputValidationError && metadata.data) throw error.prefixed(metadata.data);
      throw error;
    }
  }
}

/**
 * Maps every failure of a resolver to a GraphQL error with `extensions.code`. Errors the client caused
 * say what was wrong; anything else is logged and answered with a generic message (its detail only outside
 * production).
 */
@Catch()
export class GraphQLErrorFilter implements GqlExceptionFilter {
  private readonly logger = new Logger('GraphQL');

  constructor(private readonly production: boolean) {}

  catch(exception: unknown, host?: ArgumentsHost): GraphQLError | undefined {
    const error = this.toGraphQLError(exception);
    if (host?.getType() !== 'http') return error;
    // A REST route (exports, the timeline page, probes) that threw: answer JSON with the code, echoing no input
    // into markup (the body is JSON, served with nosniff), never leaving the request without an answer.
    const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : (HTTP_STATUS_OF[code] ?? (code === 'INTERNAL_SERVER_ERROR' ? 500 : 400));
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .code(status)
      .header('x-content-type-options', 'nosniff')
      .type('application/json; charset=utf-8')
      .send({ error: code, reason: error.message });
    return undefined;
  }

  private toGraphQLError(exception: unknown): GraphQLError {
    if (exception instanceof GraphQLError) return exception;
    if (exception instanceof InputValidationError) {
      const [first] = exception.problems;
      return new GraphQLError(exception.message, {
        extensions: { code: 'BAD_USER_INPUT', field: first?.field, problems: exception.problems },
      });
    }
    if (exception instanceof ValidationError) return badUserInput(exception.field, exception.reason);
    if (exception instanceof StatementConflictError) {
      return new GraphQLError(exception.message, {
        extensions: {
          code: 'CONFLICT',
          expectedVersion: exception.expectedVersion,
          actualVersion: exception.actualVersion,
        },
      });
    }
    if (exception instanceof DomainError) {
      return new GraphQLError(exception.message, { extensions: { code: exception.code } });
    }
    if (exception instanceof InvalidArgumentError) return badUserInput(exception.field, exception.reason);
    if (isStorageFull(exception)) {
      this.logger.error(`storage full: ${exception.message}`);
      return new GraphQLError(
        'the disk holding the event store is full: nothing was recorded; free space and retry',
        { extensions: { code: 'STORAGE_FULL' } },
      );
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return new GraphQLError(exception.message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    const detail = exception instanceof Error ? exception.message : String(exception);
    return new GraphQLError(this.production ? 'Internal server error' : `Internal server error: ${detail}`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
}

/** The HTTP status of an error code, for REST routes. */
const HTTP_STATUS_OF: Record<string, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TIMEOUT: 503,
  STORAGE_FULL: 507,
};

/** SQLite's "database or disk is full" (SQLITE_FULL), or the system's ENOSPC. */
export function isStorageFull(error: unknown): error is Error {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/**
 * Errors that never reached a resolver (a document that does not parse or validate, variables of the wrong
 * type) come from GraphQL itself without a code; give them one so that every error has `extensions.code`.
 */
export function withErrorCode(error: GraphQLFormattedError): GraphQLFormattedError {
  if (error.extensions?.code) return error;
  const code = error.message.startsWith('Variable "$') ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED';
  return { ...error, extensions: { ...error.extensions, code } };
}
