import { topicCountWrites } from './dashboards/dashboards.js';
import { searchDocumentWrites } from './search/search.js';
import { responseLinkWrites, statementWrites } from './statement.js';
import { timelineCountWrites, timelineEntryWrites } from './timelines/projection.js';
import type { ReadModelWrite, StatementView } from './types.js';

/**
 * Row-level changes from `before` to `after`, each question's part from its own module: the statement's new
 * version, the timeline entries that differ (closed and reopened), new response links, topic and timeline
 * counter moves, and the search document when its text changed. The projection (libs/projections) decides
 * what an event makes of a statement; this says what that means for the tables.
 */
export function diffStatement(before: StatementView | undefined, after: StatementView): ReadModelWrite[] {
  return [
    ...statementWrites(before, after),
    ...timelineEntryWrites(before, after),
    ...responseLinkWrites(before, after),
    ...topicCountWrites(before, after),
    ...timelineCountWrites(before, after),
    ...searchDocumentWrites(before, after),
  ];
}
