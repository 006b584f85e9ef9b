import {
  StatementNotFoundError,
  decideStory,
  evolveStory,
  initialStoryState,
  isUuid,
  storyStream,
  type StoryCommand,
  type StoryEvent,
  type StoryState,
} from '#domain';
import { WrongExpectedRevisionError, type EventStore, type Position } from '#event-store';
import { envelope } from './event-codec.js';
import { loadStatement } from './statement-stream.js';
import { MalformedStoryEventError, decodeStoryEvent, encodeStoryEvent } from './story-codec.js';
import { appendWithRetries, type Clock, type CommandContext, type IdGenerator } from './writes.js';
import { MAX_ATTEMPTS } from './execute-command.js';
import { StoryConflictError } from '#domain';

/** A story stream read into decider state. */
export interface LoadedStory {
  state: StoryState;
  /** revision of the stream's last event, -1 when the stream does not exist */
  revision: number;
  /** position of the stream's last event, 0n when the stream does not exist */
  lastPosition: Position;
}

export async function loadStory(store: EventStore, id: string): Promise<LoadedStory> {
  let loaded: LoadedStory = { state: initialStoryState, revision: -1, lastPosition: 0n };
  for await (const stored of store.readStream(storyStream(id))) {
    const event = decodeStoryEvent(stored);
    if (event === undefined) throw new MalformedStoryEventError(stored.type, 'type');
    loaded = {
      state: evolveStory(loaded.state, event),
      revision: stored.revision,
      lastPosition: stored.position,
    };
  }
  return loaded;
}

export interface StoryCommandResult {
  id: string;
  version: number;
  position: Position;
  events: StoryEvent[];
  commandId: string;
}

export interface StoryCoreDependencies {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The application core of story commands, the same shape as `StatementCommands`: the checks that need
 * another stream (a statement added to a story must exist), then read the story's stream, decide, append with
 * the expected revision, and decide again on fresh state when another writer won the race.
 */
export class StoryCommands {
  constructor(private readonly deps: StoryCoreDependencies) {}

  load(id: string): Promise<LoadedStory> {
    return loadStory(this.deps.store, id);
  }

  async execute(command: StoryCommand, context: CommandContext): Promise<StoryCommandResult> {
    const { store, clock, ids } = this.deps;
    const commandId = ids.newId();
    const id = command.id.toLowerCase();
    await this.checkOtherStreams(command);
    try {
      const { value, results } = await appendWithRetries(store, MAX_ATTEMPTS, async () => {
        const loaded = await loadStory(store, id);
        const events = decideStory(command, loaded.state);
        const metadata = envelope({
          recordedAt: clock.now().toISOString(),
          recordedBy: context.principal,
          correlationId: context.correlationId,
          causationId: commandId,
        });
        const writes =
          events.length === 0
            ? []
            : [
                {
                  stream: storyStream(id),
                  expectedRevision: loaded.revision === -1 ? ('no_stream' as const) : loaded.revision,
                  events: events.map((event) => encodeStoryEvent(event, ids.newId(), metadata)),
                },
              ];
        return { writes, value: { loaded, events } };
      });
      const [result] = results;
      if (result === undefined) {
        const { state, lastPosition } = value.loaded;
        return { id, version: state.version, position: lastPosition, events: [], commandId };
      }
      return {
        id,
        version: result.nextRevision + 1,
        position: result.position,
        events: value.events,
        commandId,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      throw new StoryConflictError(`story ${id} kept changing under this command; try again`);
    }
  }

  /** A statement added to a story must exist (its stream is another one, so the decider cannot see it). */
  private async checkOtherStreams(command: StoryCommand): Promise<void> {
    if (command.type !== 'AddStoryItem' || !isUuid(command.statementId)) return; // the decider names a bad id
    const statementId = command.statementId.toLowerCase();
    const statement = await loadStatement(this.deps.store, statementId);
    if (!statement.state.exists) throw new StatementNotFoundError(statementId);
  }
}
