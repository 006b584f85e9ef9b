import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { param } from '../journalism/http-errors.js';
import { StoryReads, type StoryNode } from './story-reads.js';
import {
  STORY_EXPORT_FORMATS,
  STORY_PAGE_CSP,
  storyExport,
  storyPageHtml,
  type StoryExportFormat,
  type StoryRow,
} from './story-page.js';

type QueryString = Record<string, string | string[] | undefined>;

const CONTENT_TYPES: Record<StoryExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  timelinejs: 'application/json; charset=utf-8',
};
const EXTENSIONS: Record<StoryExportFormat, string> = {
  csv: 'csv',
  json: 'json',
  timelinejs: 'timelinejs.json',
};

/**
 * `GET /stories/<id>`: the published story as a public page that can be embedded (an `<iframe>`), with the
 * published wording of each statement and its correction notice. `GET /stories/<id>/export?format=`:
 * TimelineJS JSON, CSV or JSON of the same. A draft, an unknown id or a malformed one is 404 here: public
 * doors never say that a draft exists.
 */
@Controller('stories')
export class StoriesController {
  constructor(private readonly reads: StoryReads) {}

  @Get(':id')
  async page(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('content-security-policy', STORY_PAGE_CSP).header('cache-control', 'no-cache');
    const story = this.reads.publishedStory(id);
    if (story === undefined) {
      return reply.code(404).type('text/html; charset=utf-8').send(notFoundHtml());
    }
    return reply.type('text/html; charset=utf-8').send(storyPageHtml(story, await this.rows(story)));
  }

  @Get(':id/export')
  async export(
    @Param('id') id: string,
    @Query() query: QueryString,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const format = param(query, 'format') ?? 'timelinejs';
    if (!(STORY_EXPORT_FORMATS as readonly string[]).includes(format)) {
      return reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send({
          error: 'BAD_USER_INPUT',
          parameter: 'format',
          reason: `must be one of ${STORY_EXPORT_FORMATS.join(', ')}`,
        });
    }
    const story = this.reads.publishedStory(id);
    if (story === undefined) {
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send({ error: 'NOT_FOUND', reason: 'no published story with this id' });
    }
    const chosen = format as StoryExportFormat;
    return reply
      .type(CONTENT_TYPES[chosen])
      .header('content-disposition', `attachment; filename="story-${story.id}.${EXTENSIONS[chosen]}"`)
      .send(storyExport(story, await this.rows(story), chosen));
  }

  private async rows(story: StoryNode): Promise<StoryRow[]> {
    const rows = this.reads.itemsInDateOrder(story.shown);
    return Promise.all(
      rows.map(async (row) => ({
        ...row,
        changes: await this.reads.changesSince(row.item.statementId, row.item.publishedPosition),
      })),
    );
  }
}

function notFoundHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Story not found · Communiqué</title></head>
<body><main><h1>Story not found</h1><p>There is no published story at this address.</p></main></body></html>
`;
}
