import { createHash } from 'node:crypto';
import {
  Kind,
  TypeInfo,
  getOperationAST,
  parse,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { ACCESS_MATRIX } from '../security/access-matrix.js';

/**
 * Answers cached by log position (DESIGN §11.22). A query's answer depends only on its document, its
 * variables, the caller's role and the read model's content; the read model's `generation` moves with every
 * transaction (so with every position it reaches) and every file swap. An answer is kept under
 * (role, media type, operation name, document, variables) together with the generation it was computed at,
 * and is served only while the read model is still at that generation.
 */

/**
 * Fields whose answer does not come from the read model alone: the log (`history`, `events`), the log head and
 * the runner's live state (`projections`). A document that selects one is never cached. `asOf` (a recorded
 * time) is mapped to a position by the log's own index, so an argument of that name makes a document
 * uncached too (`asOfPosition` is fine: a position below the read model's is fixed forever).
 */
export const UNCACHED_FIELDS: ReadonlySet<string> = new Set([
  'Query.events',
  'Query.projections',
  'Statement.history',
  // reads the statement's stream in the log
  'StoryItem.changes',
  // built from the request's Host header: kept, it would hand one client's host to every other
  'Story.embedHtml',
  // the verifiable log's tree file: a new signed tree head or tree size moves without the read model moving
  'Query.treeHeads',
  'Query.logKey',
  'Query.eventProof',
  'Query.consistencyProof',
  'StatementEvent.proof',
]);
export const UNCACHED_ARGUMENTS: ReadonlySet<string> = new Set(['asOf']);

/** What the cache may do with a document's answers. */
export interface DocumentPolicy {
  operation: 'query' | 'mutation' | 'subscription';
  /**
   * `shared`: cacheable, and no field needs more than `read`; `restricted`: a field needs a role (auditor
   * fields: never stored anywhere); `volatile`: reads something besides the read model; `other`: not a query.
   */
  kind: 'shared' | 'restricted' | 'volatile' | 'other';
  /** why an answer of this document is not cached (for the `x-communique-cache` header and tests) */
  reason?: string;
}

/**
 * Decides a document's policy from the schema and the access matrix. Undefined when the document does not
 * parse or names no operation: GraphQL answers those itself (with an error, never cached). Every operation and
 * fragment of the document is looked at, not only the one that runs: a document is never judged less strictly
 * than any part of it, at the price of not caching a harmless operation that shares a document with a
 * restricted one.
 */
export function documentPolicy(
  schema: GraphQLSchema,
  source: string,
  operationName: string | undefined,
  maxTokens: number,
): DocumentPolicy | undefined {
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens });
  } catch {
    return undefined;
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  if (operation.operation !== 'query') {
    return { operation: operation.operation, kind: 'other', reason: operation.operation };
  }
  const typeInfo = new TypeInfo(schema);
  let restricted: string | undefined;
  let volatile: string | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        const coordinate = `${parent.name}.${field.name}`;
        if (UNCACHED_FIELDS.has(coordinate)) volatile ??= coordinate;
        const access = Object.hasOwn(ACCESS_MATRIX, coordinate) ? ACCESS_MATRIX[coordinate] : undefined;
        // a field of the schema without an entry needs admin (fail closed), so it counts as restricted
        if (access !== 'read' && !field.name.startsWith('__')) restricted ??= coordinate;
      },
      Argument(node) {
        if (UNCACHED_ARGUMENTS.has(node.name.value) && node.value.kind !== Kind.NULL) {
          volatile ??= `argument ${node.name.value}`;
        }
      },
    }),
  );
  if (restricted) return { operation: 'query', kind: 'restricted', reason: `restricted field ${restricted}` };
  if (volatile) return { operation: 'query', kind: 'volatile', reason: `reads the log: ${volatile}` };
  return { operation: 'query', kind: 'shared' };
}

/** A bounded map of document policies by (operation name, source): documents repeat far more than they vary. */
export class PolicyMemo {
  private readonly entries = new Map<string, DocumentPolicy | undefined>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(
    schema: GraphQLSchema,
    source: string,
    operationName: string | undefined,
    maxTokens: number,
  ): DocumentPolicy | undefined {
    const key = `${operationName ?? ''}\u0000${source}`;
    if (this.entries.has(key)) return this.entries.get(key);
    const policy = documentPolicy(schema, source, operationName, maxTokens);
    if (key.length > this.maxChars) return policy;
    while (this.chars + key.length > this.maxChars) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.chars -= oldest.value.length;
    }
    this.entries.set(key, policy);
    this.chars += key.length;
    return policy;
  }
}

/**
 * One stored answer: the serialised body (as bytes, so a hit sends them without encoding the text again), its
 * entity tag and the headers it is served with.
 */
export interface CachedAnswer {
  generation: number;
  body: Buffer;
  etag: string;
  cacheControl: string;
  contentType: string;
}

/**
 * Serialised answers, least recently used first out, bounded by the bytes they hold (the bodies' bytes, plus
 * keys and tags counted as UTF-16 code units times two, plus a fixed overhead an entry). An answer whose generation is not the read model's current one is
 * dropped when it is looked up, and answers of old generations go first when room is needed.
 */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new Error(`answer cache size: expected an integer >= 0, got ${String(maxBytes)}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** The answer kept under `key` at `generation`, if any (an older one is dropped). */
  get(key: string, generation: number): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    if (entry.generation !== generation) {
      this.remove(key, entry);
      this.misses += 1;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits += 1;
    return entry;
  }

  /** Keeps an answer; one larger than the whole cache is not kept. */
  set(key: string, entry: CachedAnswer, currentGeneration: number): void {
    const size = sizeOf(key, entry);
    if (size > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    if (this.bytes + size > this.maxBytes) this.dropStale(currentGeneration);
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done === true) break;
      this.remove(oldest.value[0], oldest.value[1]);
    }
    this.entries.set(key, entry);
    this.bytes += size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private dropStale(generation: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.generation !== generation) this.remove(key, entry);
    }
  }

  private remove(key: string, entry: CachedAnswer): void {
    this.entries.delete(key);
    this.bytes -= sizeOf(key, entry);
  }
}

const sizeOf = (key: string, entry: CachedAnswer): number =>
  entry.body.length + 2 * (key.length + entry.etag.length) + 200;

/**
 * A strong entity tag for an answer: a digest of who it was made for (the role class), its media type and
 * its bytes. The same bytes answered to another role get another tag, so a tag taken from one role's answer
 * never matches another role's.
 */
export function entityTag(roleClass: string, mediaType: string, body: string): string {
  const digest = createHash('sha256')
    .update(roleClass)
    .update('\u0000')
    .update(mediaType)
    .update('\u0000')
    .update(body)
    .digest('base64url');
  return `"${digest.slice(0, 32)}"`;
}

/** Longest `If-None-Match` header considered; a longer one is ignored (the answer is sent in full). */
export const MAX_IF_NONE_MATCH_CHARS = 4096;
/** Most entity tags considered in one `If-None-Match`. */
export const MAX_IF_NONE_MATCH_TAGS = 32;

/**
 * Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`. An over-long header
 * or one with too many tags is not looked at: the client gets the whole answer, never an error.
 */
export function ifNoneMatchNames(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.length > MAX_IF_NONE_MATCH_CHARS) return false;
  if (value.trim() === '*') return true;
  const tags = value.split(',');
  if (tags.length > MAX_IF_NONE_MATCH_TAGS) return false;
  return tags.some((tag) => {
    const trimmed = tag.trim();
    return (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag;
  });
}

/**
 * The `Cache-Control` of a cacheable answer: `public` (with `max-age`) for a caller without a key, whom any
 * shared cache may serve; `private, no-cache` for a keyed caller (a browser may keep it, must revalidate).
 */
export function cacheControlFor(keyed: boolean, publicMaxAgeSeconds: number): string {
  return keyed ? 'private, no-cache' : `public, max-age=${publicMaxAgeSeconds}, must-revalidate`;
}

/** The `Cache-Control` of everything else: mutations, errors, restricted and volatile answers. */
export const NO_STORE = 'no-store';

/**
 * Registered documents of persisted queries, by the sha256 of their text (hex), least recently used first
 * out, bounded by the characters they hold.
 */
export class PersistedQueries {
  private readonly documents = new Map<string, string>();
  private chars = 0;

  constructor(readonly maxChars: number) {}

  get size(): number {
    return this.documents.size;
  }

  get(hash: string): string | undefined {
    const text = this.documents.get(hash);
    if (text !== undefined) {
      this.documents.delete(hash);
      this.documents.set(hash, text);
    }
    return text;
  }

  /** Registers `text` under its own hash (the caller has checked that the client's hash is that hash). */
  register(text: string): void {
    const hash = sha256Hex(text);
    if (this.documents.has(hash) || text.length > this.maxChars) return;
    while (this.chars + text.length > this.maxChars) {
      const oldest = this.documents.entries().next();
      if (oldest.done === true) break;
      this.documents.delete(oldest.value[0]);
      this.chars -= oldest.value[1].length;
    }
    this.documents.set(hash, text);
    this.chars += text.length;
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
