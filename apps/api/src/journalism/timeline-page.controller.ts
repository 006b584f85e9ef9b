import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { exportTimeline, ReadModel } from '#read-model';
import { countryName, headlineNames } from '#reference';
import { activityChartSvg } from './activity-chart.js';
import { badParameterOf, param } from './http-errors.js';
import { JournalismQueries } from './journalism.queries.js';
import {
  CONTENT_SECURITY_POLICY,
  errorPageHtml,
  TIMELINE_PAGE_CSS,
  TIMELINE_PAGE_SCRIPT,
  timelinePageChunks,
} from './timeline-page.js';

/** TimelineJS's build folder (css, js, locale files), served as it is installed. */
const TIMELINEJS_DIST = dirname(
  dirname(createRequire(import.meta.url).resolve('@knight-lab/timelinejs/dist/js/timeline.js')),
);

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.eot': 'application/vnd.ms-fontobject',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

type QueryString = Record<string, string | string[] | undefined>;

/** `GET /timeline?country=TR` (or `topic=`): the timeline in TimelineJS with a monthly activity chart. */
@Controller()
export class TimelinePageController {
  constructor(
    private readonly readModel: ReadModel,
    private readonly queries: JournalismQueries,
  ) {}

  @Get('timeline')
  page(@Query() query: QueryString, @Res() reply: FastifyReply): FastifyReply {
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff');
    try {
      const subject = this.queries.subject(param(query, 'country'), param(query, 'topic'));
      const range = this.queries.dates(param(query, 'from'), param(query, 'to'));
      const title =
        subject.timeline === 'country'
          ? `${countryName(subject.key) ?? subject.key} (${subject.key})`
          : `topic ${subject.key}`;
      const search = new URLSearchParams({ [subject.timeline]: subject.key });
      if (range.from !== undefined) search.set('from', range.from);
      if (range.to !== undefined) search.set('to', range.to);
      const filter = { from: range.from, to: range.to };
      const request = { filter, first: 0, order: 'ASC' as const };
      const { totalCount } =
        subject.timeline === 'country'
          ? this.readModel.countryTimeline(subject.key, request)
          : this.readModel.topicTimeline(subject.key, request);
      const chart = activityChartSvg(this.readModel.activity({ ...subject, ...range, interval: 'MONTH' }));
      const data =
        totalCount === 0
          ? []
          : exportTimeline(this.readModel, { ...subject, ...range }, 'timelinejs', headlineNames);
      return reply
        .type('text/html; charset=utf-8')
        .send(
          Readable.from(timelinePageChunks({ title, query: search.toString(), totalCount, chart }, data)),
        );
    } catch (error) {
      const bad = badParameterOf(error);
      if (bad === undefined) throw error;
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPageHtml(400, `${bad.parameter}: ${bad.reason}`));
    }
  }

  @Get('assets/timeline-page.js')
  script(@Res() reply: FastifyReply): FastifyReply {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(TIMELINE_PAGE_SCRIPT);
  }

  @Get('assets/timeline-page.css')
  css(@Res() reply: FastifyReply): FastifyReply {
    return reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(TIMELINE_PAGE_CSS);
  }

  /** A file of TimelineJS's `dist/` (never outside it). */
  @Get('assets/timelinejs/*')
  asset(@Param('*') path: string, @Res() reply: FastifyReply): FastifyReply {
    const file = normalize(join(TIMELINEJS_DIST, path));
    const type = CONTENT_TYPES[extname(file)];
    if (!file.startsWith(TIMELINEJS_DIST + sep) || type === undefined || !isFile(file)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    return reply.type(type).header('cache-control', 'public, max-age=3600').send(createReadStream(file));
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
