import { Readable } from 'node:stream';
import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  exportTimeline,
  InvalidArgumentError,
  ReadModel,
  type ExportFormat,
  type TimelineExportRequest,
} from '#read-model';
import { headlineNames } from '#reference';
import { JournalismQueries } from './journalism.queries.js';
import { param, replyBadParameter } from './http-errors.js';

type QueryString = Record<string, string | string[] | undefined>;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  timelinejs: 'application/json; charset=utf-8',
};

const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', json: 'json', timelinejs: 'timelinejs.json' };

/**
 * `GET /exports/timeline.csv|.json|.timelinejs.json?country=|topic=&from=&to=&involvesOtherCountry=`: a timeline streamed a page at
 * a time. Bad parameters are a 400 with `{ error, parameter, reason }`.
 */
@Controller('exports')
export class ExportsController {
  constructor(
    private readonly readModel: ReadModel,
    private readonly queries: JournalismQueries,
  ) {}

  @Get('timeline.csv')
  csv(@Query() query: QueryString, @Res() reply: FastifyReply): FastifyReply {
    return this.send('csv', query, reply);
  }

  @Get('timeline.json')
  json(@Query() query: QueryString, @Res() reply: FastifyReply): FastifyReply {
    return this.send('json', query, reply);
  }

  @Get('timeline.timelinejs.json')
  timelineJs(@Query() query: QueryString, @Res() reply: FastifyReply): FastifyReply {
    return this.send('timelinejs', query, reply);
  }

  private send(format: ExportFormat, query: QueryString, reply: FastifyReply): FastifyReply {
    let request: TimelineExportRequest;
    let chunks: Generator<string>;
    try {
      request = exportRequest(this.queries, query);
      chunks = exportTimeline(this.readModel, request, format, headlineNames);
    } catch (error) {
      return replyBadParameter(reply, error);
    }
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${exportFileName(request, format)}"`)
      .send(Readable.from(chunks));
  }
}

export function exportRequest(queries: JournalismQueries, query: QueryString): TimelineExportRequest {
  const subject = queries.subject(param(query, 'country'), param(query, 'topic'));
  const request: TimelineExportRequest = {
    ...subject,
    ...queries.dates(param(query, 'from'), param(query, 'to')),
  };
  const involves = param(query, 'involvesOtherCountry');
  if (involves !== undefined) {
    if (involves !== 'true' && involves !== 'false') {
      throw new InvalidArgumentError('involvesOtherCountry', 'must be true or false');
    }
    request.involvesOtherCountry = involves === 'true';
  }
  return request;
}

/** `timeline-TR-2019-2020.csv`: subject and range, in characters safe for any file system and header. */
export function exportFileName(request: TimelineExportRequest, format: ExportFormat): string {
  const parts = ['timeline', request.key, request.from, request.to].filter((p): p is string => Boolean(p));
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_')}.${EXTENSIONS[format]}`;
}
