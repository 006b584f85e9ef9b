import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import { InvalidArgumentError } from '#read-model';

/** A bad query parameter as the REST endpoints answer it: 400 with a JSON body naming the parameter. */
export interface BadParameter {
  error: 'BAD_USER_INPUT';
  parameter: string;
  reason: string;
}

/** The parameter problem an error stands for, or undefined when it is not one (then it is a server error). */
export function badParameterOf(error: unknown): BadParameter | undefined {
  if (error instanceof InvalidArgumentError) {
    return { error: 'BAD_USER_INPUT', parameter: error.field.replace(/^filter\./, ''), reason: error.reason };
  }
  if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') {
    const field = error.extensions.field;
    const reason = error.extensions.reason;
    return {
      error: 'BAD_USER_INPUT',
      parameter: typeof field === 'string' ? field : 'query',
      reason: typeof reason === 'string' ? reason : error.message,
    };
  }
  return undefined;
}

/** Sends the 400 for a parameter problem; rethrows anything else. */
export function replyBadParameter(reply: FastifyReply, error: unknown): FastifyReply {
  const bad = badParameterOf(error);
  if (bad === undefined) throw error;
  return reply.code(400).type('application/json; charset=utf-8').send(bad);
}

/** A single query-string value (the first when repeated), or undefined when absent. */
export function param(
  query: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}
