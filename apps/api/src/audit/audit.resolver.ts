import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { EventStore, type Position } from '#event-store';
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
      'The global event log in order, every stream together, with hashes. `after` is a position (an ' +
      '`endCursor`); `first` is capped at 100.',
  })
  async events(
    @Args('after', { type: () => PositionScalar, nullable: true }) after: Position | undefined,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ): Promise<EventConnectionType> {
    if (!Number.isInteger(first) || first < 0) throw badUserInput('first', 'must be a non-negative integer');
    const size = Math.min(first, MAX_EVENTS_PAGE);
    const edges: StatementEventType[] = [];
    let more = false;
    for await (const event of this.store.readAll({ fromPosition: after ?? 0n, maxCount: size + 1 })) {
      if (edges.length === size) {
        more = true;
        break;
      }
      edges.push(toEventType(event));
    }
    const last = edges.at(-1);
    return {
      edges,
      pageInfo: {
        hasNextPage: more,
        endCursor: last === undefined ? null : String(last.position),
        hasPreviousPage: after !== undefined && after > 0n,
        startCursor: edges[0] === undefined ? null : String(edges[0].position),
      },
    };
  }
}
