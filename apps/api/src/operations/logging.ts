import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '#runtime';

/** The request id of the request being served, for log lines written outside Fastify's request logger. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** The service's structured JSON log (one object per line on stdout). */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'communique' } });
}

/** Fastify's request id: the caller's `x-request-id` when it is a sane token, else a new UUID. */
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  const header = request.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,100}$/.test(value) ? value : randomUUID();
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Nest's Logger written through pino, with the Nest context and the current request id as fields. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const args = [...rest];
    if (typeof args.at(-1) === 'string') fields.context = args.pop();
    if (level === 'error' && typeof args[0] === 'string') fields.stack = args.shift();
    const requestId = requestContext.getStore()?.requestId;
    if (requestId !== undefined) fields.reqId = requestId;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as object) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
