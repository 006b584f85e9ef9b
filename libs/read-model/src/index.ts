export * from './types.js';
export * from './errors.js';
export { ReadModel, moveIntoPlace, type ReadModelOpenOptions } from './read-model.js';
export type { WriteBatch } from './writer.js';
export { diffStatement } from './projection.js';
export { countryEntriesOf, topicEntriesOf } from './timelines/projection.js';
export { asOfWrites, type PositionAtTime } from './as-of.js';
export { describeDifference, firstDifference, type ReadModelDifference } from './compare.js';
export { MAX_PAGE_SIZE, MAX_TOPICS } from './query-args.js';
export * from './query-arguments.js';
export { encodeCursor, decodeCursor, type TimelineKey } from './cursor.js';
export { sortKeyOf, sortKeyRange } from './partial-date.js';
export { MAX_QUERY_LENGTH, toFtsQuery } from './search/sql.js';
export { sameSearchDocument, searchDocumentOf } from './search/search.js';
export {
  EXPORT_FORMATS,
  TIMELINEJS_COLUMNS,
  csvCell,
  csvRow,
  exportTimeline,
  exportedStatement,
  timelineJsEvent,
  timelineStatements,
  type ExportFormat,
  type TimelineExportRequest,
  type TimelineJsEvent,
} from './timeline-export.js';
export {
  actionOf,
  escapeHtml,
  groupOf,
  headlineHtmlOf,
  headlineOf,
  htmlTextOf,
  verbPhraseOf,
  type HeadlineNames,
} from './statement-text.js';
export { MAX_STORY_PAGE, type StoryPage, type StoryPageRequest, type StoryView } from './stories/stories.js';
