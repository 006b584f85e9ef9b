export {
  applyStatementEvents,
  countryEntriesOf,
  diffStatement,
  evolveStatementView,
  projectStatementEvent,
  projectStatementEvents,
  statementEventOf,
  topicEntriesOf,
} from './statement-projection.js';
export {
  ProjectionRunner,
  lagCountLimit,
  lagInEvents,
  type AppliedListener,
  type ProjectionRunnerOptions,
  type ProjectionStatus,
} from './projection-runner.js';
export { ReadModelBuild, rebuildInto, type RebuildOptions } from './rebuild.js';
export { projectStoryEvent, projectStoryEvents } from './story-projection.js';
