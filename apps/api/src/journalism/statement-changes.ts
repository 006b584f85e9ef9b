import { Injectable, Logger } from '@nestjs/common';
import { statementIdOf } from '#domain';
import { EventStore, type RecordedEvent } from '#event-store';
import { ProjectionRunner } from '#projections';
import { InvalidArgumentError, ReadModel, type StatementView } from '#read-model';
import { LiveSubscriptions, type LiveEvent } from '../live/live-subscriptions.js';

export const STATEMENT_CHANGED = 'STATEMENT_CHANGED';

/** What subscribers receive: the statement as it is now, and every country and topic it concerned before or now. */
export interface StatementChange {
  statementChanged: StatementView;
  /** alpha-2 codes in any role, before and after the change (a statement that leaves a timeline is a change on it) */
  countries: string[];
  topics: string[];
}

/**
 * Publishes `statementChanged` from the projection: after each applied batch, one change per statement the
 * batch touched, at the position of its last event in the batch, to the live subscriptions
 * (`LiveSubscriptions`, DESIGN §11.20: one execution per group of equal subscriptions). It listens to
 * `ProjectionRunner.onApplied`, so a change shows up whatever process appended the event. The listener is
 * installed when the first client subscribes, so start-up catch-up and processes without subscribers pay
 * nothing for it. `replay` reads the changes after a position from the log and the read model's as-of rows.
 */
@Injectable()
export class StatementChanges {
  private readonly logger = new Logger('StatementChanges');
  private listening = false;

  constructor(
    private readonly projections: ProjectionRunner,
    private readonly readModel: ReadModel,
    private readonly store: EventStore,
    private readonly live: LiveSubscriptions,
  ) {}

  /** The position live changes start after: what the read model has applied. */
  get checkpoint(): bigint {
    return this.projections.checkpoint;
  }

  ensureListening(): void {
    if (this.listening) return;
    this.listening = true;
    this.projections.onApplied((events) => this.publish(events));
  }

  /**
   * `after` checked for a resume: not beyond the head of the log, and no more than `maxEvents` events to
   * replay up to the read model's checkpoint. Throws `InvalidArgumentError` naming `after`.
   */
  async checkResume(after: bigint, maxEvents: number): Promise<void> {
    const head = await this.store.headPosition();
    if (after > head) {
      throw new InvalidArgumentError('after', `${after} is beyond the head of the log (${head})`);
    }
    const upTo = this.projections.checkpoint;
    if (after >= upTo) return;
    const count = await this.store.countEventsAfter(after, maxEvents + 1);
    if (count > maxEvents) {
      throw new InvalidArgumentError(
        'after',
        `more than ${maxEvents} events to replay after ${after} (COMMUNIQUE_WS_MAX_REPLAY_EVENTS): ` +
          'read the timeline with a query, then subscribe from its position',
      );
    }
  }

  /** Pages of the changes after `after` up to `upTo`, each the statement as it stood at its position. */
  async *replay(after: bigint, upTo: bigint, pageSize = 500): AsyncGenerator<LiveEvent<StatementChange>[]> {
    let from = after;
    while (from < upTo) {
      const events: RecordedEvent[] = [];
      for await (const event of this.store.readAll({ fromPosition: from, maxCount: pageSize })) {
        if (event.position > upTo) break;
        events.push(event);
      }
      const last = events.at(-1);
      if (last === undefined) return;
      yield statementChangesOf(this.readModel, events, { asOf: true });
      from = last.position;
      if (events.length < pageSize) return;
    }
  }

  private publish(events: readonly RecordedEvent[]): void {
    try {
      this.live.publish(STATEMENT_CHANGED, statementChangesOf(this.readModel, events));
    } catch (error) {
      this.logger.error(`statementChanged not published: ${String(error)}`);
    }
  }
}

/**
 * The changes a run of events made, one per statement, in the order of their positions: each at the position
 * of the statement's last event in the run, with the statement as it stood then (`asOf`; else as it is now,
 * which is the same right after the batch was applied) and the countries and topics it had just before the
 * run's first event of it and then.
 */
export function statementChangesOf(
  readModel: ReadModel,
  events: readonly RecordedEvent[],
  options: { asOf?: boolean } = {},
): LiveEvent<StatementChange>[] {
  const touched = new Map<string, { first: bigint; last: bigint }>();
  for (const event of events) {
    const id = statementIdOf(event.stream);
    if (id === undefined) continue;
    const seen = touched.get(id);
    if (seen) seen.last = event.position;
    else touched.set(id, { first: event.position, last: event.position });
  }
  const changes: LiveEvent<StatementChange>[] = [];
  for (const [id, { first, last }] of touched) {
    const after = options.asOf ? readModel.statement(id, last) : readModel.statement(id);
    if (after === undefined) continue;
    const before = first > 1n ? readModel.statement(id, first - 1n) : undefined;
    changes.push({
      position: last,
      payload: {
        statementChanged: after,
        countries: [...new Set([...countriesOf(before), ...countriesOf(after)])],
        topics: [...new Set([...(before?.topics ?? []), ...after.topics])],
      },
    });
  }
  return changes.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
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
