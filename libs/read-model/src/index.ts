export * from './types.js';
export * from './errors.js';
export { ReadModel, moveIntoPlace, type ReadModelOpenOptions } from './read-model.js';
export { describeDifference, firstDifference, type ReadModelDifference } from './compare.js';
export { MAX_PAGE_SIZE, MAX_TOPICS } from './timeline-query.js';
export { encodeCursor, decodeCursor, type TimelineKey } from './cursor.js';
export { sortKeyOf, sortKeyRange } from './partial-date.js';
