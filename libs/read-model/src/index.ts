export * from './types.js';
export * from './errors.js';
export { ReadModel, moveIntoPlace, type ReadModelOpenOptions } from './read-model.js';
export { describeDifference, firstDifference, type ReadModelDifference } from './compare.js';
export { MAX_PAGE_SIZE, MAX_TOPICS } from './timeline-query.js';
export * from './query-arguments.js';
export { encodeCursor, decodeCursor, type TimelineKey } from './cursor.js';
export { sortKeyOf, sortKeyRange } from './partial-date.js';
export { MAX_QUERY_LENGTH, searchDocumentOf, sameSearchDocument, toFtsQuery } from './search.js';
export {
  EXPORT_FORMATS,
  TIMELINEJS_COLUMNS,
  csvRow,
  escapeHtml,
  exportTimeline,
  exportedStatement,
  headlineOf,
  htmlTextOf,
  timelineJsEvent,
  timelineStatements,
  type ExportFormat,
  type TimelineExportRequest,
  type TimelineJsEvent,
} from './timeline-export.js';
