import { Inject, Injectable, Optional } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { statementStream, type ReferenceData } from '#domain';
import {
  EventStore,
  RecordedTimeIndex,
  positionAtInstant,
  type Position,
  type RecordedEvent,
} from '#event-store';
import { ProjectionRunner } from '#projections';
import {
  InvalidArgumentError,
  MAX_TOPICS,
  ReadModel,
  countryArgument,
  pageSize,
  relayWindow,
  timelineFilterOf,
  topicArgument,
  topicPrefixArgument,
  type TimelinePage,
  type TimelineRequest,
} from '#read-model';
import type { StatementConnectionType } from '../graphql/statement.types.js';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import type { AppConfig } from '#runtime';
import { REFERENCE_DATA } from '../infrastructure/tokens.js';
import { badUserInput } from '../graphql/errors.js';
import { LIST_CAPS } from '../security/graphql-limits.js';
import type { StatementEventType } from '../graphql/statement.types.js';
import { toNode, type StatementNode } from '../graphql/statement-node.js';

export interface TimelineArgs {
  filter?: TimelineRequest['filter'];
  /** Relay: `first` after `after`, or `last` before `before` (not both counts; 50 when neither) */
  first?: number;
  after?: string;
  last?: number;
  before?: string;
  order: 'ASC' | 'DESC';
  minPosition?: Position;
  /** read the timeline as it stood at this log position (see `asOfPosition`) */
  asOf?: Position;
}

/** The read side as the API needs it: argument checks, read-your-writes waits, then read-model queries. */
@Injectable()
export class StatementQueries {
  constructor(
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
    private readonly store: EventStore,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // the read model's recorded-time index, when one is provided: asked when the store has no index of its
    // own (EventStoreDB), so an `asOf` query never reads the whole log
    @Optional() private readonly timeIndex?: RecordedTimeIndex,
  ) {}

  /** alpha-2 for any accepted spelling of a country, or BAD_USER_INPUT naming the argument. */
  country(input: string, field: string): string {
    return countryArgument(input, field, this.reference.countries);
  }

  /** Waits (bounded) until the read model has applied `minPosition`: read-your-writes across processes. */
  async reach(minPosition: Position | undefined): Promise<void> {
    if (minPosition === undefined) return;
    const reached = await this.projections.waitForPosition(minPosition, this.config.minPositionTimeoutMs);
    if (!reached) {
      throw new GraphQLError(
        `the read model did not reach position ${minPosition} within ${this.config.minPositionTimeoutMs} ms`,
        { extensions: { code: 'TIMEOUT', minPosition: String(minPosition) } },
      );
    }
  }

  statement(id: string, asOf?: Position): StatementNode | undefined {
    const view = this.readModel.statement(id, asOf);
    return view && toNode(view, asOf);
  }

  async countryTimeline(country: string, args: TimelineArgs): Promise<StatementConnectionType> {
    const code = this.country(country, 'country');
    const request = this.request(args);
    await this.reach(args.minPosition);
    return connection(this.readModel.countryTimeline(code, request), request.asOf);
  }

  async topicTimeline(topic: string, args: TimelineArgs): Promise<StatementConnectionType> {
    const slug = topicArgument(topic, 'topic');
    const request = this.request(args);
    await this.reach(args.minPosition);
    return connection(this.readModel.topicTimeline(slug, request), request.asOf);
  }

  topics(prefix: string | undefined, first: number) {
    const slugPrefix = prefix === undefined ? undefined : topicPrefixArgument(prefix, 'prefix');
    return this.readModel.topics(slugPrefix, pageSize(first, MAX_TOPICS));
  }

  /** At most `first` events of the statement, oldest first, after revision `after` (the first has revision 0). */
  async history(id: string, first: number, after?: number): Promise<StatementEventType[]> {
    if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
      throw badUserInput('after', 'must be a non-negative revision');
    }
    const maxCount = this.listSize(first, 'first', LIST_CAPS['Statement.history'].max);
    if (maxCount === 0) return [];
    const events: StatementEventType[] = [];
    const fromRevision = after === undefined ? 0 : after + 1;
    for await (const event of this.store.readStream(statementStream(id), { fromRevision, maxCount })) {
      events.push(toEventType(event));
    }
    return events;
  }

  /**
   * `first` of a nested list: a negative or fractional value is refused, a larger one answered with `max`.
   * Field resolvers do not pass Nest's exception filter, so the refusal is a GraphQL error already.
   */
  listSize(first: number, field: string, max: number): number {
    try {
      return pageSize(first, max, field);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw badUserInput(error.field, error.reason);
      throw error;
    }
  }

  /**
   * The log position an as-of query reads at: `asOf` (a recorded time) becomes the last position recorded at
   * or before it (0 before the first event: nothing existed yet; the head for a moment still to come, so the
   * answer is "as of now"); `asOfPosition` is taken as given but may not lie beyond the log head. Waits
   * (bounded) until the read model has applied that position. Undefined: the current state.
   */
  async asOfPosition(
    asOf: string | undefined,
    asOfPosition: Position | undefined,
  ): Promise<Position | undefined> {
    if (asOf !== undefined && asOfPosition !== undefined) {
      throw badUserInput('asOfPosition', 'give asOf or asOfPosition, not both');
    }
    let position: Position;
    if (asOf !== undefined) {
      position = await positionAtInstant(this.store, asOf, this.timeIndex);
    } else if (asOfPosition !== undefined) {
      const head = await this.store.headPosition();
      if (asOfPosition > head) {
        throw badUserInput('asOfPosition', `beyond the end of the log (the last position is ${head})`);
      }
      position = asOfPosition;
    } else {
      return undefined;
    }
    await this.reach(position);
    return position;
  }

  async projectionStatus() {
    return (await this.projections.status()).map((status) => ({
      ...status,
      lagCapped: status.lagCapped === true,
    }));
  }

  private request(args: TimelineArgs): TimelineRequest {
    return {
      filter: timelineFilterOf(args.filter, this.reference.countries),
      ...relayWindow(args.first, args.last),
      after: args.after,
      before: args.before,
      order: args.order,
      asOf: args.asOf,
    };
  }
}

function connection(page: TimelinePage, asOf: Position | undefined): StatementConnectionType {
  return {
    edges:
      asOf === undefined
        ? page.edges
        : page.edges.map((edge) => ({ ...edge, node: toNode(edge.node, asOf) })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      endCursor: page.endCursor,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.startCursor,
    },
    // a getter: the read model counts only when the client selects the field
    get totalCount() {
      return page.totalCount;
    },
  };
}

/** A stored event as GraphQL serves it (history and the global feed). */
export function toEventType(event: RecordedEvent): StatementEventType {
  return {
    position: event.position,
    revision: event.revision,
    type: event.type,
    recordedAt: event.metadata.recordedAt,
    recordedBy: event.metadata.recordedBy,
    data: event.data,
    hash: event.metadata.hash,
    prevHash: event.metadata.prevHash,
    stream: event.stream,
    id: event.id,
    schemaVersion: event.metadata.upcastFrom ?? event.metadata.schemaVersion,
  };
}
