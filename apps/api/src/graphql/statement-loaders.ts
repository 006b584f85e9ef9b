import DataLoader from 'dataloader';
import type { Position } from '#event-store';
import type { ReadModel, StatementView } from '#read-model';

/**
 * Per-request batching of the statement links: every `respondsTo` and `responses` field of one request
 * is answered with one read-model query per kind and moment, never one per row.
 */
export class StatementLoaders {
  private readonly byId = new Map<string, DataLoader<string, StatementView | undefined>>();
  private readonly responses = new Map<string, DataLoader<string, StatementView[]>>();

  constructor(private readonly readModel: ReadModel) {}

  statement(asOf?: Position): DataLoader<string, StatementView | undefined> {
    const key = String(asOf ?? '');
    let loader = this.byId.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const found = this.readModel.statements([...ids], asOf);
        return ids.map((id) => found.get(id));
      });
      this.byId.set(key, loader);
    }
    return loader;
  }

  /** Responses to each statement, at most `page.first` each (after `page.after`), in timeline order. */
  responsesTo(
    asOf: Position | undefined,
    page: { first: number; after?: string },
  ): DataLoader<string, StatementView[]> {
    const key = `${String(asOf ?? '')}|${page.first}|${page.after ?? ''}`;
    let loader = this.responses.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const found = this.readModel.responsesTo([...ids], asOf, page);
        return ids.map((id) => found.get(id) ?? []);
      });
      this.responses.set(key, loader);
    }
    return loader;
  }
}

export interface GraphQLContext {
  loaders: StatementLoaders;
  requestId: string;
  /** who is asking: recorded as `recordedBy` on every event a mutation appends */
  principal: string;
}
