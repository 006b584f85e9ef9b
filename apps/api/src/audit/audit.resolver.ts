import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { EventStore, type Position, type RecordedEvent } from '#event-store';
import { badUserInput } from '../graphql/errors.js';
import { RequireRole } from '../security/access.js';
import { PositionScalar } from '../graphql/scalars.js';
import { PageInfo, StatementEventType } from '../graphql/statement.types.js';
import { toEventType } from '../statements/statement-queries.js';

/** Largest page of the global feed (DESIGN §8: `first` is capped at 100). */
export const MAX_EVENTS_PAGE = 100;

@ObjectType('EventConnection', { description: 'A page of the global event log, in log order.' })
export class EventConnectionType {
  @Field(() => [StatementEventType]) edges!: StatementEventType[];
  @Field(() => PageInfo, { description: '`endCursor` is the position of the last event of the page' })
  pageInfo!: PageInfo;
}

/**
 * The auditors' view of the raw log. A resolver of its own, so that an access guard (auditor role) can be put
 * on this class alone.
 */
@Resolver()
export class AuditResolver {
  constructor(private readonly store: EventStore) {}

  @RequireRole('auditor')
  @Query(() => EventConnectionType, {
    description:
      'The global event log in order, every stream together, with hashes. A Relay connection whose cursors are ' +
      'positions: `first` events after `after`, or the `last` events before `before` (newest end first read ' +
      'backwards); 100 when neither count is given, at most 100; not `first` and `last` together.',
  })
  async events(
    @Args('after', { type: () => PositionScalar, nullable: true }) after: Position | undefined,
    @Args('first', { type: () => Int, nullable: true }) first: number | undefined,
    @Args('before', { type: () => PositionScalar, nullable: true }) before: Position | undefined,
    @Args('last', { type: () => Int, nullable: true }) last: number | undefined,
  ): Promise<EventConnectionType> {
    const count = (value: number, field: string): number => {
      if (!Number.isInteger(value) || value < 0) throw badUserInput(field, 'must be a non-negative integer');
      return Math.min(value, MAX_EVENTS_PAGE);
    };
    if (first != null && last != null) throw badUserInput('last', 'give first or last, not both');
    const backward = last != null;
    const size = backward ? count(last, 'last') : count(first ?? MAX_EVENTS_PAGE, 'first');
    const from = after ?? undefined;
    const until = before ?? undefined;
    // the page's events in log order, and whether one more lay beyond its far end (within the cursors)
    const events: RecordedEvent[] = [];
    let more = false;
    const read = backward
      ? this.store.readAllBackwards({ beforePosition: until, maxCount: size + 1 })
      : this.store.readAll({ fromPosition: from ?? 0n, maxCount: size + 1 });
    for await (const event of read) {
      if (
        backward
          ? from !== undefined && event.position <= from
          : until !== undefined && event.position >= until
      )
        break;
      if (events.length === size) {
        more = true;
        break;
      }
      events.push(event);
    }
    if (backward) events.reverse();
    const edges = events.map(toEventType);
    const firstEdge = events[0];
    const lastEdge = events.at(-1);
    // Relay's other side: is there an event before the page (forward after a cursor), or after it
    // (backward before a cursor)? One event read each way answers it.
    const anyBefore = async (): Promise<boolean> => {
      if (firstEdge === undefined) return from !== undefined && from > 0n;
      for await (const _event of this.store.readAllBackwards({
        beforePosition: firstEdge.position,
        maxCount: 1,
      }))
        return true;
      return false;
    };
    const anyAfter = async (): Promise<boolean> => {
      for await (const _event of this.store.readAll({
        fromPosition: lastEdge?.position ?? from ?? 0n,
        maxCount: 1,
      }))
        return true;
      return false;
    };
    return {
      edges,
      pageInfo: {
        hasNextPage: backward ? until !== undefined && (await anyAfter()) : more,
        hasPreviousPage: backward ? more : from !== undefined && (await anyBefore()),
        startCursor: firstEdge === undefined ? null : String(firstEdge.position),
        endCursor: lastEdge === undefined ? null : String(lastEdge.position),
      },
    };
  }
}
