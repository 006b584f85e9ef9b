import { LogTimes } from './as-of.js';
import { adjustTopicCount } from './dashboards/dashboards.js';
import { inRowidOrder, putSearchDocument } from './search/search.js';
import type { Sql } from './sql.js';
import { openResponseLink, putStatement, storedView } from './statement.js';
import {
  adjustTimelineCount,
  closeCountryEntry,
  closeTopicEntry,
  putCountryEntry,
  putTopicEntry,
} from './timelines/timelines.js';
import type { ReadModelWrite, StatementView } from './types.js';
import { putStory, type StoryView } from './stories/stories.js';

type SearchDocumentWrite = Extract<ReadModelWrite, { type: 'putSearchDocument' }>;
type CountWrite = Extract<ReadModelWrite, { type: 'adjustTopicCount' | 'adjustTimelineCount' }>;

/**
 * Applies one write at `position` through the module of the question it belongs to. The switch is
 * exhaustive: a write kind added to `ReadModelWrite` without a case here does not compile.
 */
export function applyWrite(sql: Sql, position: bigint, write: ReadModelWrite, times: LogTimes): void {
  switch (write.type) {
    case 'putStatement':
      return putStatement(sql, position, write.statement, write.replaces !== false);
    case 'openResponseLink':
      return openResponseLink(sql, position, write.statementId, write.respondsTo);
    case 'putCountryEntry':
      return putCountryEntry(sql, position, write.entry, write.replaces !== false);
    case 'closeCountryEntry':
      return closeCountryEntry(sql, position, write.recordedPosition, write.country);
    case 'putTopicEntry':
      return putTopicEntry(sql, position, write.entry, write.replaces !== false);
    case 'closeTopicEntry':
      return closeTopicEntry(sql, position, write.recordedPosition, write.topic);
    case 'adjustTimelineCount':
      return adjustTimelineCount(sql, write.timeline, write.key, write.active, write.current);
    case 'adjustTopicCount':
      return adjustTopicCount(sql, write.topic, write.delta);
    case 'putSearchDocument':
      return putSearchDocument(sql, write.document, write.replaces);
    case 'indexRecordedAt':
      return times.add(position, write.recordedAt);
    case 'putStory':
      return putStory(sql, write.story);
    default:
      return unknownWrite(write);
  }
}

function unknownWrite(write: never): never {
  throw new Error(`unknown read-model write ${JSON.stringify(write)}`);
}

/**
 * The writes of one batch of events, inside one transaction (`ReadModel.writeBatch`). Besides applying them,
 * it does what makes a batch cheap on SQLite, none of which changes the rows it leaves:
 *
 * - each statement is read from the read model once per batch; after that the batch keeps the view it wrote,
 *   in the form the read model would give back (`storedView`), since a statement's events usually follow
 *   each other in the log;
 * - counter moves are summed per topic and per timeline and written once at the end: a new statement moves
 *   four or five counters, each an upsert and a delete, the largest share of a rebuild's SQLite calls (a
 *   counter that ends at 0 is deleted either way; nothing reads the counters during a batch);
 * - search documents are written once per statement at the end, in rowid order (see `inRowidOrder`);
 * - the as-of index gets one row per recorded time.
 */
export class WriteBatch {
  private readonly views = new Map<string, { view: StatementView | undefined; stored: boolean }>();
  private readonly documents = new Map<bigint, SearchDocumentWrite>();
  private readonly counts = new Map<string, CountWrite>();
  private readonly times: LogTimes;
  private last: bigint | undefined;

  /**
   * @param read the statement as stored (`ReadModel.statement`)
   * @param applyNow applies writes at once (`ReadModel.apply`: one call per event, one for the counters and
   *   one for the search documents at the end)
   */
  constructor(
    sql: Sql,
    private readonly read: (id: string) => StatementView | undefined,
    private readonly applyNow: (position: bigint, writes: readonly ReadModelWrite[]) => void,
    private readonly readStory: (id: string) => StoryView | undefined = () => undefined,
  ) {
    this.times = new LogTimes(sql);
  }

  /** The statement as the batch has left it so far (read from the read model the first time). */
  statement(id: string): StatementView | undefined {
    const cached = this.views.get(id);
    if (cached === undefined) {
      const view = this.read(id);
      this.views.set(id, { view, stored: true });
      return view;
    }
    if (!cached.stored && cached.view !== undefined) {
      cached.view = storedView(cached.view);
      cached.stored = true;
    }
    return cached.view;
  }

  /** The story as stored (story writes are applied at once, so the read model is never behind the batch). */
  story(id: string): StoryView | undefined {
    return this.readStory(id);
  }

  apply(position: bigint, writes: readonly ReadModelWrite[]): void {
    this.last = position;
    const now: ReadModelWrite[] = [];
    for (const write of writes) {
      switch (write.type) {
        case 'adjustTopicCount': {
          const key = `topic\u0000${write.topic}`;
          const held = this.counts.get(key);
          const delta = held?.type === 'adjustTopicCount' ? held.delta : 0;
          this.counts.set(key, { ...write, delta: delta + write.delta });
          break;
        }
        case 'adjustTimelineCount': {
          const key = `${write.timeline}\u0001${write.key}`;
          const held = this.counts.get(key);
          const sum = held?.type === 'adjustTimelineCount' ? held : { active: 0, current: 0 };
          this.counts.set(key, {
            ...write,
            active: sum.active + write.active,
            current: sum.current + write.current,
          });
          break;
        }
        case 'putSearchDocument': {
          // replaces: whether a document was stored before the batch, i.e. the first write's answer
          const held = this.documents.get(write.document.recordedPosition);
          this.documents.set(write.document.recordedPosition, {
            ...write,
            replaces: held?.replaces ?? write.replaces,
          });
          break;
        }
        case 'indexRecordedAt':
          this.times.add(position, write.recordedAt);
          break;
        case 'putStatement':
          now.push(write);
          this.views.set(write.statement.id, { view: write.statement, stored: false });
          break;
        default:
          now.push(write);
      }
    }
    if (now.length > 0) this.applyNow(position, now);
  }

  /** Writes what the batch held back. Called once, at the end of the batch's transaction. */
  finish(): void {
    const last = this.last;
    if (last !== undefined && this.counts.size > 0) this.applyNow(last, [...this.counts.values()]);
    if (last !== undefined && this.documents.size > 0) {
      this.applyNow(last, inRowidOrder(this.documents.values()));
    }
    this.times.flush();
  }
}
