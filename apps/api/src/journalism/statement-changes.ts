import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { statementIdOf } from '#domain';
import type { RecordedEvent } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel, type StatementView } from '#read-model';

export const STATEMENT_CHANGED = 'STATEMENT_CHANGED';

/** What subscribers receive: the statement as it is now, and every country and topic it concerned before or now. */
export interface StatementChange {
  statementChanged: StatementView;
  /** alpha-2 codes in any role, before and after the change (a statement that leaves a timeline is a change on it) */
  countries: string[];
  topics: string[];
}

/**
 * Publishes `statementChanged` from the projection: after each applied batch, one message per statement the
 * batch touched. It listens to `ProjectionRunner.onApplied`, so a change shows up whatever process appended
 * the event. The listener is installed when the first client subscribes, so start-up catch-up and processes
 * without subscribers pay nothing for it.
 */
@Injectable()
export class StatementChanges {
  private readonly logger = new Logger('StatementChanges');
  private listening = false;

  constructor(
    private readonly projections: ProjectionRunner,
    private readonly readModel: ReadModel,
    private readonly http: HttpAdapterHost,
  ) {}

  ensureListening(): void {
    if (this.listening) return;
    this.listening = true;
    this.projections.onApplied((events) => this.publish(events));
  }

  private publish(events: readonly RecordedEvent[]): void {
    const fastify = this.http.httpAdapter.getInstance<FastifyInstance>();
    for (const change of statementChangesOf(this.readModel, events)) {
      try {
        fastify.graphql.pubsub.publish({ topic: STATEMENT_CHANGED, payload: change }, () => undefined);
      } catch (error) {
        this.logger.error(`statementChanged not published: ${String(error)}`);
      }
    }
  }
}

/**
 * The changes an applied batch made, one per statement in the order the batch first touched them: the
 * statement now, with the countries and topics it had just before the batch (read as of that position) and now.
 */
export function statementChangesOf(
  readModel: ReadModel,
  events: readonly RecordedEvent[],
): StatementChange[] {
  const firstPosition = new Map<string, bigint>();
  for (const event of events) {
    const id = statementIdOf(event.stream);
    if (id !== undefined && !firstPosition.has(id)) firstPosition.set(id, event.position);
  }
  const changes: StatementChange[] = [];
  for (const [id, position] of firstPosition) {
    const after = readModel.statement(id);
    if (after === undefined) continue;
    const before = position > 1n ? readModel.statement(id, position - 1n) : undefined;
    changes.push({
      statementChanged: after,
      countries: [...new Set([...countriesOf(before), ...countriesOf(after)])],
      topics: [...new Set([...(before?.topics ?? []), ...after.topics])],
    });
  }
  return changes;
}

function countriesOf(view: StatementView | undefined): string[] {
  if (view === undefined) return [];
  return [...(view.speakerCountry ? [view.speakerCountry] : []), ...view.targets, ...view.mentions];
}

/** The subscription's filter: a change passes when it concerns the country (any role) and/or the topic asked for. */
export function changeMatches(
  change: StatementChange,
  country: string | undefined,
  topic: string | undefined,
): boolean {
  if (country !== undefined && !change.countries.includes(country)) return false;
  if (topic !== undefined && !change.topics.includes(topic)) return false;
  return true;
}
