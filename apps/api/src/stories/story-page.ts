import {
  TIMELINEJS_COLUMNS,
  csvRow,
  escapeHtml,
  exportedStatement,
  groupOf,
  headlineOf,
  htmlTextOf,
  type StatementView,
} from '#read-model';
import { headlineNames } from '#reference';
import type { StoryItemChange, StoryItemNode, StoryNode } from './story-reads.js';

/**
 * The public face of a published story: the page `/stories/<id>` (embeddable), and its exports. Every value a
 * user wrote goes through `escapeHtml` (HTML, TimelineJS) or `csvRow` (CSV cells) for the place it lands.
 */

/** One statement of the story as published, with what happened to it since. */
export interface StoryRow {
  item: StoryItemNode;
  published: StatementView | undefined;
  current: StatementView | undefined;
  changes: StoryItemChange[];
}

/** The CSP of the story page: no script at all, inline styles only, embeddable by any site (it is public). */
export const STORY_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  'frame-ancestors *',
].join('; ');

export function embedSnippet(origin: string, id: string, title: string): string {
  const src = `${origin}/stories/${encodeURIComponent(id)}`;
  return `<iframe src="${escapeHtml(src)}" title="${escapeHtml(title)}" width="100%" height="640" style="border:0" loading="lazy" referrerpolicy="no-referrer"></iframe>`;
}

const CHANGE_WORDS: Record<StoryItemChange['kind'], string> = {
  CORRECTED: 'Corrected',
  RETRACTED: 'Retracted',
  RESTORED: 'Restored',
  SOURCE_ADDED: 'New source added',
  TOPICS_TAGGED: 'Topics added',
  TOPICS_UNTAGGED: 'Topics removed',
  RESPONSE_LINKED: 'Linked to a statement it responds to',
};

/** Changes a reader is owed a notice for: what changes the wording, the standing or the sourcing. */
const NOTICE_KINDS: ReadonlySet<StoryItemChange['kind']> = new Set([
  'CORRECTED',
  'RETRACTED',
  'RESTORED',
  'SOURCE_ADDED',
]);

/** The notices of one statement, as plain sentences (no reasons: those are for editors; see DESIGN §11.23). */
export function noticesOf(changes: readonly StoryItemChange[]): string[] {
  return changes
    .filter((change) => NOTICE_KINDS.has(change.kind))
    .map((change) => {
      const day = change.recordedAt.slice(0, 10);
      const what =
        change.kind === 'CORRECTED' && change.fields.length > 0
          ? `${CHANGE_WORDS[change.kind]} on ${day} (${change.fields.join(', ')})`
          : change.kind === 'SOURCE_ADDED' && change.sourceUrl !== undefined
            ? `${CHANGE_WORDS[change.kind]} on ${day}: ${change.sourceUrl}`
            : `${CHANGE_WORDS[change.kind]} on ${day}`;
      return `${what} after this story was published.`;
    });
}

function headlineFor(row: StoryRow): string {
  const shown = row.published ?? row.current;
  return row.item.headline ?? (shown ? headlineOf(shown, headlineNames) : row.item.statementId);
}

function noticeHtml(row: StoryRow): string {
  const notices = noticesOf(row.changes);
  if (notices.length === 0) return '';
  const current = row.current;
  const currentHtml =
    current === undefined
      ? ''
      : `<details id="current-${escapeHtml(row.item.statementId)}"><summary>The statement as it stands now</summary>${htmlTextOf(current)}</details>`;
  return `<aside class="notice" role="note"><strong>Correction notice.</strong> ${notices
    .map(escapeHtml)
    .join(' ')}${currentHtml}</aside>`;
}

export function storyPageHtml(story: StoryNode, rows: readonly StoryRow[]): string {
  const items = rows
    .map((row) => {
      const shown = row.published ?? row.current;
      const date = shown ? `<time>${escapeHtml(shown.occurredOn)}</time>` : '';
      const note = row.item.note === undefined ? '' : `<p class="note">${escapeHtml(row.item.note)}</p>`;
      const body = shown ? htmlTextOf(shown) : '<p>(statement not found)</p>';
      return `<li><article>${date}<h2>${escapeHtml(headlineFor(row))}</h2>${note}${body}${noticeHtml(row)}</article></li>`;
    })
    .join('\n');
  const summary = story.summary === undefined ? '' : `<p class="summary">${escapeHtml(story.summary)}</p>`;
  const published =
    story.publishedAt === undefined
      ? ''
      : `<p class="meta">Published ${escapeHtml(story.publishedAt.slice(0, 10))}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(story.title)} · Communiqué</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;max-width:48rem;color:#222}
ol{list-style:none;padding:0}li{border-top:1px solid #ddd;padding:.75rem 0}
h2{font-size:1.1rem;margin:.25rem 0}time{color:#555;font-size:.9rem}
.notice{background:#fff4d6;border-left:4px solid #c80;padding:.5rem .75rem;margin-top:.5rem}
blockquote{margin:.5rem 0;padding-left:.75rem;border-left:3px solid #999}.note{font-style:italic}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(story.title)}</h1>
${summary}${published}
<ol>
${items}
</ol>
</main>
</body>
</html>
`;
}

// ---- exports

export const STORY_EXPORT_FORMATS = ['timelinejs', 'csv', 'json'] as const;
export type StoryExportFormat = (typeof STORY_EXPORT_FORMATS)[number];

function storyTextHtml(row: StoryRow): string {
  const shown = row.published ?? row.current;
  const note = row.item.note === undefined ? '' : `<p><em>${escapeHtml(row.item.note)}</em></p>`;
  return `${note}${shown ? htmlTextOf(shown) : ''}${noticeHtml(row)}`;
}

function dateParts(occurredOn: string | undefined): { year?: number; month?: number; day?: number } {
  if (occurredOn === undefined) return {};
  const [year, month, day] = occurredOn.split('-').map(Number);
  return { year, ...(month === undefined ? {} : { month }), ...(day === undefined ? {} : { day }) };
}

export function storyExport(story: StoryNode, rows: readonly StoryRow[], format: StoryExportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          story: {
            id: story.id,
            title: story.title,
            summary: story.summary ?? null,
            publishedAt: story.publishedAt ?? null,
            publishedPosition: story.publishedPosition?.toString() ?? null,
          },
          items: rows.map((row) => ({
            statementId: row.item.statementId,
            headline: row.item.headline ?? null,
            note: row.item.note ?? null,
            published: row.published ? exportedStatement(row.published) : null,
            current: row.current ? exportedStatement(row.current) : null,
            notices: noticesOf(row.changes),
            changes: row.changes.map((change) => ({
              kind: change.kind,
              position: change.position.toString(),
              recordedAt: change.recordedAt,
              fields: change.fields,
              sourceUrl: change.sourceUrl ?? null,
            })),
          })),
        },
        null,
        1,
      )}\n`;
    case 'csv':
      return [
        csvRow(TIMELINEJS_COLUMNS),
        ...rows.map((row) => {
          const { year, month, day } = dateParts((row.published ?? row.current)?.occurredOn);
          const cells: Record<(typeof TIMELINEJS_COLUMNS)[number], string> = Object.fromEntries(
            TIMELINEJS_COLUMNS.map((column) => [column, '']),
          ) as Record<(typeof TIMELINEJS_COLUMNS)[number], string>;
          cells.Year = year === undefined ? '' : String(year);
          cells.Month = month === undefined ? '' : String(month);
          cells.Day = day === undefined ? '' : String(day);
          cells.Headline = escapeHtml(headlineFor(row));
          cells.Text = storyTextHtml(row);
          cells.Group = escapeHtml(groupFor(row));
          return csvRow(TIMELINEJS_COLUMNS.map((column) => cells[column]));
        }),
      ].join('');
    case 'timelinejs':
      return `${JSON.stringify({
        title: {
          text: {
            headline: escapeHtml(story.title),
            text: story.summary === undefined ? '' : `<p>${escapeHtml(story.summary)}</p>`,
          },
        },
        events: rows.map((row) => ({
          unique_id: `statement-${row.item.statementId}`,
          start_date: { year: 0, ...dateParts((row.published ?? row.current)?.occurredOn) },
          text: { headline: escapeHtml(headlineFor(row)), text: storyTextHtml(row) },
          group: escapeHtml(groupFor(row)),
        })),
      })}\n`;
  }
}

/** TimelineJS groups: the statement's kind, as on every timeline export (few, and meaningful). */
function groupFor(row: StoryRow): string {
  const shown = row.published ?? row.current;
  return shown ? groupOf(shown) : '';
}
