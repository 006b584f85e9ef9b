import type { Position } from '#event-store';
import type { StatementView } from '#read-model';

/**
 * A statement as the GraphQL layer hands it on: the read-model view plus the moment it was read at, so
 * that nested fields (`respondsTo`, `responses`) answer for the same moment.
 */
export type StatementNode = StatementView & { asOf?: Position };

export const toNode = (view: StatementView, asOf?: Position): StatementNode =>
  asOf === undefined ? view : { ...view, asOf };
