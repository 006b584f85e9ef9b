import type { PublishedStory, StoryItem, StoryStatus } from '#domain';
import { InvalidArgumentError, InvalidCursorError } from '../errors.js';
import type { Sql } from '../sql.js';

/**
 * The question "what is this story, and which published stories hold this statement?": one row per story
 * (current state only: a story's past is its stream, and what readers are owed is the published snapshot it
 * keeps), and `story_members`, the statements of each published snapshot, for the author's subscription.
 *
 * Not bitemporal, unlike the statement tables: nothing asks for a story as of a past position, and the
 * published snapshot with its position is the only past a story page shows.
 */

export const STORY_TABLES = `
CREATE TABLE IF NOT EXISTS stories (
  id               TEXT    NOT NULL PRIMARY KEY,
  status           TEXT    NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED')),
  created_position INTEGER NOT NULL,
  last_position    INTEGER NOT NULL,
  data             TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stories_by_created ON stories (created_position);
CREATE INDEX IF NOT EXISTS stories_by_status ON stories (status, created_position);

CREATE TABLE IF NOT EXISTS story_members (
  statement_id TEXT NOT NULL,
  story_id     TEXT NOT NULL,
  PRIMARY KEY (statement_id, story_id)
) WITHOUT ROWID;
`;

/** A story as the read side serves it. */
export interface StoryView {
  id: string;
  title: string;
  summary?: string;
  status: StoryStatus;
  /** events in the story's stream */
  version: number;
  /** the working items, in the order they were added */
  items: StoryItem[];
  /** the last published snapshot (what readers see) */
  published?: PublishedStory;
  /** position of the last `StoryPublished` event: the statements are shown as they stood there */
  publishedPosition?: bigint;
  publishedAt?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  createdPosition: bigint;
  lastPosition: bigint;
}

interface StoryRow {
  id: string;
  status: StoryStatus;
  created_position: bigint;
  last_position: bigint;
  data: string;
}

type StoredStory = Omit<StoryView, 'publishedPosition' | 'createdPosition' | 'lastPosition'> & {
  publishedPosition?: string;
};

export function putStory(sql: Sql, story: StoryView): void {
  const { publishedPosition, createdPosition: _c, lastPosition: _l, ...rest } = story;
  const stored: StoredStory =
    publishedPosition === undefined ? rest : { ...rest, publishedPosition: publishedPosition.toString() };
  sql.run(
    `INSERT INTO stories (id, status, created_position, last_position, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_position = excluded.last_position,
       data = excluded.data`,
    story.id,
    story.status,
    story.createdPosition,
    story.lastPosition,
    JSON.stringify(stored),
  );
  sql.run(`DELETE FROM story_members WHERE story_id = ?`, story.id);
  for (const item of story.published?.items ?? []) {
    sql.run(
      `INSERT OR IGNORE INTO story_members (statement_id, story_id) VALUES (?, ?)`,
      item.statementId,
      story.id,
    );
  }
}

function viewOf(row: StoryRow): StoryView {
  const stored = JSON.parse(row.data) as StoredStory;
  const { publishedPosition, ...rest } = stored;
  return {
    ...rest,
    ...(publishedPosition === undefined ? {} : { publishedPosition: BigInt(publishedPosition) }),
    createdPosition: row.created_position,
    lastPosition: row.last_position,
  };
}

export function storyById(sql: Sql, id: string): StoryView | undefined {
  const row = sql.get<StoryRow>(`SELECT * FROM stories WHERE id = ?`, id);
  return row && viewOf(row);
}

/** The published stories that hold `statementId` in their published snapshot. */
export function storiesWithStatement(sql: Sql, statementId: string): string[] {
  return sql
    .all<{ story_id: string }>(
      `SELECT story_id FROM story_members WHERE statement_id = ? ORDER BY story_id`,
      statementId,
    )
    .map((row) => row.story_id);
}

export interface StoryPageRequest {
  /** only stories of this status; none: every story */
  status?: StoryStatus;
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

export interface StoryPage {
  stories: { cursor: string; story: StoryView }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
  totalCount: number;
}

/** The most stories one page holds. */
export const MAX_STORY_PAGE = 100;

const encodeStoryCursor = (createdPosition: bigint): string =>
  Buffer.from(`story:${createdPosition}`, 'utf8').toString('base64url');

function decodeStoryCursor(cursor: string, field: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^story:(0|[1-9]\d{0,18})$/.exec(text);
  if (match === null || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw new InvalidCursorError(field);
  }
  return BigInt(match[1]);
}

function checkCount(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(field, 'must be an integer from 0');
  return Math.min(value, MAX_STORY_PAGE);
}

/**
 * Stories, newest first (by the position of `StoryCreated`), as a Relay connection: `first`/`after` walks
 * towards older stories, `last`/`before` towards newer ones. Keyset on the creation position, which never
 * changes, so pages neither repeat nor skip a story whatever is created meanwhile.
 */
export function storyPage(sql: Sql, req: StoryPageRequest): StoryPage {
  const first = checkCount(req.first, 'first');
  const last = checkCount(req.last, 'last');
  if (first !== undefined && last !== undefined) {
    throw new InvalidArgumentError('last', 'give first or last, not both');
  }
  const after = req.after === undefined ? undefined : decodeStoryCursor(req.after, 'after');
  const before = req.before === undefined ? undefined : decodeStoryCursor(req.before, 'before');
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (req.status !== undefined) {
    conditions.push('status = ?');
    params.push(req.status);
  }
  // newest first: "after" a cursor means older (smaller positions), "before" newer
  if (after !== undefined) {
    conditions.push('created_position < ?');
    params.push(after);
  }
  if (before !== undefined) {
    conditions.push('created_position > ?');
    params.push(before);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const backwards = last !== undefined;
  const size = backwards ? last : (first ?? 20);
  const rows = sql.all<StoryRow>(
    `SELECT * FROM stories ${where} ORDER BY created_position ${backwards ? 'ASC' : 'DESC'} LIMIT ?`,
    ...params,
    size + 1,
  );
  const more = rows.length > size;
  const taken = rows.slice(0, size);
  if (backwards) taken.reverse();
  const stories = taken.map((row) => ({
    cursor: encodeStoryCursor(row.created_position),
    story: viewOf(row),
  }));
  const countWhere = req.status === undefined ? '' : 'WHERE status = ?';
  const countParams = req.status === undefined ? [] : [req.status];
  const total = sql.get<{ n: bigint }>(`SELECT COUNT(*) AS n FROM stories ${countWhere}`, ...countParams);
  return {
    stories,
    hasNextPage: backwards ? before !== undefined && existsBeyond(sql, req.status, before, 'older') : more,
    hasPreviousPage: backwards ? more : after !== undefined && existsBeyond(sql, req.status, after, 'newer'),
    startCursor: stories[0]?.cursor ?? null,
    endCursor: stories.at(-1)?.cursor ?? null,
    totalCount: Number(total?.n ?? 0n),
  };
}

/** Whether a story lies beyond the cursor position on the given side (the other side of a page). */
function existsBeyond(
  sql: Sql,
  status: StoryStatus | undefined,
  position: bigint,
  side: 'older' | 'newer',
): boolean {
  const op = side === 'older' ? '<=' : '>=';
  const statusCondition = status === undefined ? '' : 'AND status = ?';
  const row = sql.get<{ one: bigint }>(
    `SELECT 1 AS one FROM stories WHERE created_position ${op} ? ${statusCondition} LIMIT 1`,
    position,
    ...(status === undefined ? [] : [status]),
  );
  return row !== undefined;
}
