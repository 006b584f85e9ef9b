import { Injectable } from '@nestjs/common';
import {
  CURRENT_SCHEMA_VERSION,
  type StatementEvent,
  type StatementState,
  evolve,
  initialStatementState,
  statementStream,
} from '#domain';
import { EventStore, type AppendResult, type ExpectedRevision, type Position } from '#event-store';
import { Clock, IdGenerator } from '../infrastructure/clock.js';

/** Who asked, and which request and command the events stem from. */
export interface CommandContext {
  principal: string;
  correlationId: string;
}

export interface LoadedStatement {
  state: StatementState;
  /** revision of the stream's last event, -1 when the stream does not exist */
  revision: number;
  /** position of the stream's last event, 0n when the stream does not exist */
  lastPosition: Position;
}

/** Reads a statement stream into decider state and appends new events to it with an expected revision. */
@Injectable()
export class StatementRepository {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async load(id: string): Promise<LoadedStatement> {
    let state: StatementState = initialStatementState;
    let revision = -1;
    let lastPosition: Position = 0n;
    for await (const event of this.store.readStream(statementStream(id))) {
      state = evolve(state, { type: event.type, data: event.data } as StatementEvent);
      revision = event.revision;
      lastPosition = event.position;
    }
    return { state, revision, lastPosition };
  }

  append(
    id: string,
    events: StatementEvent[],
    expectedRevision: ExpectedRevision,
    context: CommandContext,
  ): Promise<AppendResult> {
    const recordedAt = this.clock.now().toISOString();
    const causationId = this.ids.newId();
    return this.store.appendToStream(
      statementStream(id),
      events.map((event) => ({
        id: this.ids.newId(),
        type: event.type,
        data: event.data,
        metadata: {
          recordedAt,
          recordedBy: context.principal,
          correlationId: context.correlationId,
          causationId,
          schemaVersion: CURRENT_SCHEMA_VERSION,
        },
      })),
      { expectedRevision },
    );
  }
}
