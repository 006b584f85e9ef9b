import type { Source, Statement, StatementEvent, StatementFields } from '#domain';
import { statementStream } from '#domain';
import type { EventStore, Position } from '#event-store';

/**
 * TEST HELPER: appends hand-built statement events (shaped as libs/domain types) to a store, with a clock
 * that advances one minute per event and predictable ids, so tests read like the story they tell.
 */
export class StatementScenario {
  private clock = Date.parse('2024-01-01T00:00:00.000Z');
  private eventSeq = 0;
  private statementSeq = 0;

  constructor(readonly store: EventStore) {}

  /** A normalised statement: Wang Yi (CN) to TR about xinjiang, unless `fields` say otherwise. */
  statement(fields: Partial<Statement> = {}): Statement {
    this.statementSeq += 1;
    return {
      id: `00000000-0000-4000-8000-${String(this.statementSeq).padStart(12, '0')}`,
      occurredOn: '2019-05-16',
      speaker: { name: 'Wang Yi', role: 'State Councilor', country: 'CN' },
      speakerCountry: 'CN',
      targets: ['TR'],
      mentions: [],
      topics: ['xinjiang'],
      kind: 'STATEMENT',
      text: `statement ${this.statementSeq}`,
      attribution: 'DIRECT_QUOTE',
      sources: [{ url: `https://example.org/${this.statementSeq}` }],
      ...fields,
    };
  }

  /** Records a statement; returns it with the position of its `StatementRecorded`. */
  async record(fields: Partial<Statement> = {}): Promise<Statement & { position: Position }> {
    const statement = this.statement(fields);
    const position = await this.append(statement.id, { type: 'StatementRecorded', data: statement });
    return { ...statement, position };
  }

  correct(id: string, changes: Partial<StatementFields>, reason = 'correction'): Promise<Position> {
    return this.append(id, { type: 'StatementCorrected', data: { statementId: id, changes, reason } });
  }

  addSource(id: string, source: Source): Promise<Position> {
    return this.append(id, { type: 'StatementSourceAdded', data: { statementId: id, source } });
  }

  tag(id: string, topics: string[]): Promise<Position> {
    return this.append(id, { type: 'StatementTopicsTagged', data: { statementId: id, topics } });
  }

  untag(id: string, topics: string[]): Promise<Position> {
    return this.append(id, { type: 'StatementTopicsUntagged', data: { statementId: id, topics } });
  }

  link(id: string, respondsTo: string): Promise<Position> {
    return this.append(id, { type: 'StatementResponseLinked', data: { statementId: id, respondsTo } });
  }

  retract(id: string, reason = 'duplicate'): Promise<Position> {
    return this.append(id, { type: 'StatementRetracted', data: { statementId: id, reason } });
  }

  restore(id: string, reason = 'not a duplicate'): Promise<Position> {
    return this.append(id, { type: 'StatementRestored', data: { statementId: id, reason } });
  }

  /** Appends one event to the statement's stream; returns its position. */
  async append(id: string, event: StatementEvent): Promise<Position> {
    return this.appendRaw(statementStream(id), event.type, event.data);
  }

  /** Appends any event to any stream (e.g. one the statements projection must skip). */
  async appendRaw(stream: string, type: string, data: object): Promise<Position> {
    this.eventSeq += 1;
    this.clock += 60_000;
    const result = await this.store.appendToStream(
      stream,
      [
        {
          id: `10000000-0000-4000-8000-${String(this.eventSeq).padStart(12, '0')}`,
          type,
          data,
          metadata: {
            recordedAt: new Date(this.clock).toISOString(),
            recordedBy: 'test',
            correlationId: `correlation-${this.eventSeq}`,
            causationId: `causation-${this.eventSeq}`,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    return result.position;
  }
}
