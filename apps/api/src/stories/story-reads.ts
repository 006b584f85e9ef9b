import { Inject, Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { isUuid, statementStream, type StoryItem } from '#domain';
import { EventStore, type Position, type RecordedEvent } from '#event-store';
import { ReadModel, sortKeyOf, type StatementView, type StoryView } from '#read-model';
import type { AppConfig } from '#runtime';
import { decodeStatementEvent } from '#statements';
import { badUserInput } from '../graphql/errors.js';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import { decideAccess, type RequestAuth } from '../security/access.js';
import type { StoryItemChangeKind } from './story.types.js';

/**
 * A story as the GraphQL layer hands it on: what readers see (`title`, `summary`, `shown`: the published
 * snapshot of a published story, the working copy of a draft) and the working copy for editors (`draft`).
 */
export interface StoryNode {
  id: string;
  title: string;
  summary?: string;
  status: StoryView['status'];
  version: number;
  publishedPosition?: bigint;
  publishedAt?: string;
  createdAt: string;
  updatedAt: string;
  shown: StoryItemNode[];
  draft: { title: string; summary?: string; items: StoryItemNode[]; hasUnpublishedChanges: boolean };
}

/** A statement of a story with the position its published wording is read at (none for a draft). */
export type StoryItemNode = StoryItem & { publishedPosition?: bigint };

export interface StoryItemChange {
  kind: StoryItemChangeKind;
  position: bigint;
  recordedAt: string;
  reason?: string;
  fields: string[];
  sourceUrl?: string;
}

export function toStoryNode(view: StoryView): StoryNode {
  const published = view.published;
  const at = (items: readonly StoryItem[], position?: bigint): StoryItemNode[] =>
    items.map((item) => (position === undefined ? { ...item } : { ...item, publishedPosition: position }));
  const draftItems = at(view.items, undefined);
  const changed =
    published === undefined ||
    published.title !== view.title ||
    published.summary !== view.summary ||
    JSON.stringify(published.items) !== JSON.stringify(view.items);
  return {
    id: view.id,
    title: published?.title ?? view.title,
    ...((published ? published.summary : view.summary) === undefined
      ? {}
      : { summary: published ? published.summary : view.summary }),
    status: view.status,
    version: view.version,
    ...(view.publishedPosition === undefined
      ? {}
      : { publishedPosition: view.publishedPosition, publishedAt: view.publishedAt }),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    shown: published ? at(published.items, view.publishedPosition) : draftItems,
    draft: {
      title: view.title,
      ...(view.summary === undefined ? {} : { summary: view.summary }),
      items: draftItems,
      hasUnpublishedChanges: changed,
    },
  };
}

/**
 * What happened to a statement at one of its events, as a correction notice says it; undefined for an event
 * that is not a change to an existing statement (its recording).
 */
export function storyItemChangeOf(event: RecordedEvent): StoryItemChange | undefined {
  const decoded = decodeStatementEvent(event);
  if (decoded === undefined) return undefined;
  const base = { position: event.position, recordedAt: event.metadata.recordedAt, fields: [] as string[] };
  switch (decoded.type) {
    case 'StatementRecorded':
      return undefined;
    case 'StatementCorrected':
      return {
        ...base,
        kind: 'CORRECTED',
        reason: decoded.data.reason,
        fields: Object.keys(decoded.data.changes).sort(),
      };
    case 'StatementRetracted':
      return { ...base, kind: 'RETRACTED', reason: decoded.data.reason };
    case 'StatementRestored':
      return { ...base, kind: 'RESTORED', reason: decoded.data.reason };
    case 'StatementSourceAdded':
      return { ...base, kind: 'SOURCE_ADDED', sourceUrl: decoded.data.source.url };
    case 'StatementTopicsTagged':
      return { ...base, kind: 'TOPICS_TAGGED', fields: ['topics'] };
    case 'StatementTopicsUntagged':
      return { ...base, kind: 'TOPICS_UNTAGGED', fields: ['topics'] };
    case 'StatementResponseLinked':
      return { ...base, kind: 'RESPONSE_LINKED' };
  }
}

/** The read side of stories: who may see a draft, the story, its items in date order, their changes. */
@Injectable()
export class StoryReads {
  constructor(
    private readonly readModel: ReadModel,
    private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Whether the request may see drafts (an editor or higher; anyone on a key-less loopback service). */
  mayEdit(auth: RequestAuth | undefined): boolean {
    try {
      decideAccess(this.config.security, auth ?? {}, 'query', 'editor');
      return true;
    } catch (error) {
      if (error instanceof GraphQLError) return false;
      throw error;
    }
  }

  storyId(id: string, field = 'id'): string {
    if (!isUuid(id)) throw badUserInput(field, `must be a UUID, got ${JSON.stringify(id)}`);
    return id.toLowerCase();
  }

  /** The story, or undefined when there is none or it is a draft the request may not see. */
  story(id: string, auth: RequestAuth | undefined): StoryNode | undefined {
    const view = this.readModel.story(this.storyId(id));
    if (view === undefined) return undefined;
    if (view.status === 'DRAFT' && !this.mayEdit(auth)) return undefined;
    return toStoryNode(view);
  }

  /** The published story for public doors (REST page, exports): drafts are not found there. */
  publishedStory(id: string): StoryNode | undefined {
    if (!isUuid(id)) return undefined;
    const view = this.readModel.story(id.toLowerCase());
    return view?.status === 'PUBLISHED' ? toStoryNode(view) : undefined;
  }

  /**
   * The items with their statements (as published, and now), in the order of the dates they were said
   * (then the order they were added): the story reads as a timeline whatever order they were collected in.
   */
  itemsInDateOrder(items: readonly StoryItemNode[]): {
    item: StoryItemNode;
    published: StatementView | undefined;
    current: StatementView | undefined;
  }[] {
    const ids = items.map((item) => item.statementId);
    const current = this.readModel.statements(ids);
    const rows = items.map((item, index) => {
      const published =
        item.publishedPosition === undefined
          ? undefined
          : this.readModel.statement(item.statementId, item.publishedPosition);
      const now = current.get(item.statementId);
      const shown = published ?? now;
      return { item, published, current: now, index, key: shown ? sortKeyOf(shown.occurredOn) : '' };
    });
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    return rows.map(({ item, published, current: now }) => ({ item, published, current: now }));
  }

  /** The changes to a statement recorded after `since` (none for a draft's item). */
  async changesSince(statementId: string, since: Position | undefined): Promise<StoryItemChange[]> {
    if (since === undefined) return [];
    const changes: StoryItemChange[] = [];
    for await (const event of this.store.readStream(statementStream(statementId))) {
      if (event.position <= since) continue;
      const change = storyItemChangeOf(event);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }
}
