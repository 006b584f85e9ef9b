import { Inject, Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { EventStore, RecordedTimeIndex, type Position } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import type { AppConfig } from '#runtime';
import { APP_CONFIG } from '../infrastructure/tokens.js';

/**
 * The read model's as-of index (`log_times`, kept by the projection) as the port's `RecordedTimeIndex`:
 * where an `asOf` moment lies in the log, without reading the log. The index knows the events the read model
 * has applied; when none of them was recorded after the moment, an event still to be applied might have been,
 * so the read model first catches up with the log head (one `headPosition()`; a wait bounded as for
 * `minPosition`, `TIMEOUT` when it runs out), and the index is asked again.
 */
@Injectable()
export class ReadModelTimeIndex extends RecordedTimeIndex {
  constructor(
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
    private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async positionAt(recordedAt: string): Promise<Position> {
    const seen = this.readModel.positionAt(recordedAt);
    if (seen.final) return seen.position;
    const head = await this.store.headPosition();
    const timeoutMs = this.config.minPositionTimeoutMs;
    if (!(await this.projections.waitForPosition(head, timeoutMs))) {
      throw new GraphQLError(
        `the read model did not reach the log head (position ${head}) within ${timeoutMs} ms to place asOf`,
        { extensions: { code: 'TIMEOUT', minPosition: String(head) } },
      );
    }
    return this.readModel.positionAt(recordedAt).position;
  }
}
