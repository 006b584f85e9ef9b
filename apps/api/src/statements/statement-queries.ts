import { Inject, Injectable, Optional } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { LIMITS, statementStream, type ReferenceData } from '#domain';
import {
  EventStore,
  RecordedTimeIndex,
  positionAtInstant,
  type Position,
  type RecordedEvent,
} from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel, type TimelinePage, type TimelineRequest } from '#read-model';
import type { StatementConnectionType } from '../graphql/statement.types.js';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import type { AppConfig } from '#runtime';
import { REFERENCE_DATA } from '../infrastructure/tokens.js';
import { badUserInput } from '../graphql/errors.js';
import { LIST_CAPS } from '../security/graphql-limits.js';
import type { StatementEventType } from '../graphql/statement.types.js';
import { toNode, type StatementNode } from '../graphql/statement-node.js';

/** Largest timeline page a client may ask for (DESIGN §8); a larger `first` is capped. */
export const MAX_PAGE_SIZE = 100;
const MAX_TOPICS = 1000;

export interface TimelineArgs {
  filter?: TimelineRequest['filter'];
  first: number;
  after?: string;
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
    const code = this.reference.countries.resolve(input);
    if (!code)
      throw badUserInput(
        field,
        `unknown country "${input}" (give an ISO 3166-1 alpha-2 or alpha-3 code or an English name)`,
      );
    return code;
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
    const slug = this.topic(topic, 'topic');
    const request = this.request(args);
    await this.reach(args.minPosition);
    return connection(this.readModel.topicTimeline(slug, request), request.asOf);
  }

  topics(prefix: string | undefined, first: number) {
    const slugPrefix = prefix === undefined ? undefined : this.topic(prefix, 'prefix');
    return this.readModel.topics(slugPrefix, this.pageSize(first, 'first', MAX_TOPICS));
  }

  /** Topics are looked up as stored: trimmed and lower-cased (the domain's slug rule). */
  private topic(input: string, field: string): string {
    const slug = input.trim().toLowerCase();
    if (slug.length > LIMITS.topic) throw badUserInput(field, `longer than ${LIMITS.topic} characters`);
    return slug;
  }

  /** At most `first` events of the statement, oldest first, after revision `after` (the first has revision 0). */
  async history(id: string, first: number, after?: number): Promise<StatementEventType[]> {
    if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
      throw badUserInput('after', 'must be a non-negative revision');
    }
    const maxCount = this.pageSize(first, 'first', LIST_CAPS['Statement.history'].max);
    if (maxCount === 0) return [];
    const events: StatementEventType[] = [];
    const fromRevision = after === undefined ? 0 : after + 1;
    for await (const event of this.store.readStream(statementStream(id), { fromRevision, maxCount })) {
      events.push(toEventType(event));
    }
    return events;
  }

  /** `first` of a nested list: a negative or fractional value is refused, a larger one answered with `max`. */
  listSize(first: number, field: string, max: number): number {
    return this.pageSize(first, field, max);
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
    const filter = args.filter && {
      ...args.filter,
      topics: args.filter.topics?.map((topic, i) => this.topic(topic, `filter.topics.${i}`)),
      counterpart: args.filter.counterpart && this.country(args.filter.counterpart, 'filter.counterpart'),
    };
    return {
      filter,
      first: this.pageSize(args.first, 'first', MAX_PAGE_SIZE),
      after: args.after,
      order: args.order,
      asOf: args.asOf,
    };
  }

  /** `first` is capped: a larger page is answered with `max` items (and `hasNextPage`). */
  private pageSize(first: number, field: string, max: number): number {
    if (!Number.isInteger(first) || first < 0) throw badUserInput(field, 'must be a non-negative integer');
    return Math.min(first, max);
  }
}

function connection(page: TimelinePage, asOf: Position | undefined): StatementConnectionType {
  return {
    edges:
      asOf === undefined
        ? page.edges
        : page.edges.map((edge) => ({ ...edge, node: toNode(edge.node, asOf) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
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
