import { Args, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ProofRequestError, type Position } from '#event-store';
import { badUserInput } from '../graphql/errors.js';
import { PositionScalar } from '../graphql/scalars.js';
import { StatementEventType } from '../graphql/statement.types.js';
import { LIST_CAPS } from '../security/graphql-limits.js';
import { VerifiableLogService } from './verifiable-log.service.js';
import {
  ConsistencyProofType,
  InclusionProofType,
  LogKeyType,
  TreeHeadType,
  toConsistencyProofType,
  toInclusionProofType,
  toTreeHeadType,
} from './verifiable-log.types.js';

/** A proof request's typed error as GraphQL's BAD_USER_INPUT (field resolvers skip Nest's filter). */
export async function asUserInput<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProofRequestError) throw badUserInput(error.field, error.reason);
    throw error;
  }
}

/** Signed tree heads and proofs of the verifiable log (DESIGN §11.21, docs/AUDIT.md). */
@Resolver()
export class VerifiableLogResolver {
  constructor(private readonly service: VerifiableLogService) {}

  @Query(() => [TreeHeadType], {
    description:
      'Signed tree heads, oldest first, after the head with sequence number `after`; `first` is capped at 100.',
  })
  treeHeads(
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['Query.treeHeads'].default }) first: number,
    @Args('after', { type: () => Int, defaultValue: 0 }) after: number,
  ): Promise<TreeHeadType[]> {
    return asUserInput(() => this.service.log.treeHeads(first, after).map(toTreeHeadType));
  }

  @Query(() => LogKeyType, {
    nullable: true,
    description: 'The public log key; null when none is configured.',
  })
  logKey(): LogKeyType | null {
    return this.service.signer?.publicKey ?? null;
  }

  @Query(() => InclusionProofType, {
    description:
      'The inclusion proof of an event (by `eventId` or `position`, one of them) in the tree of `treeSize` ' +
      'events (default: the latest signed tree head, else the whole log).',
  })
  eventProof(
    @Args('eventId', { type: () => ID, nullable: true }) eventId: string | undefined,
    @Args('position', { type: () => PositionScalar, nullable: true }) position: Position | undefined,
    @Args('treeSize', { type: () => Int, nullable: true }) treeSize: number | undefined,
  ): Promise<InclusionProofType> {
    return asUserInput(async () => {
      if ((eventId === undefined || eventId === null) === (position === undefined || position === null)) {
        throw new ProofRequestError('eventId', 'give exactly one of eventId and position');
      }
      const target = eventId !== undefined && eventId !== null ? { eventId } : { position: position! };
      return toInclusionProofType(await this.service.log.inclusionProof(target, treeSize ?? undefined));
    });
  }

  @Query(() => ConsistencyProofType, {
    description: 'The consistency proof from the tree of `from` events to the tree of `to` events.',
  })
  consistencyProof(
    @Args('from', { type: () => Int }) from: number,
    @Args('to', { type: () => Int }) to: number,
  ): Promise<ConsistencyProofType> {
    return asUserInput(async () => toConsistencyProofType(await this.service.log.consistencyProof(from, to)));
  }
}

/** `StatementEvent.proof`: each event of a statement's history (and of `events`) links to its inclusion proof. */
@Resolver(() => StatementEventType)
export class StatementEventProofResolver {
  constructor(private readonly service: VerifiableLogService) {}

  @ResolveField(() => InclusionProofType, {
    nullable: true,
    description:
      'The inclusion proof of this event in the tree of `treeSize` events; without `treeSize`, in the latest ' +
      'signed tree head, and null while no signed tree head holds the event yet.',
  })
  proof(
    @Parent() event: StatementEventType,
    @Args('treeSize', { type: () => Int, nullable: true }) treeSize: number | undefined,
  ): Promise<InclusionProofType | null> {
    return asUserInput(async () => {
      if (treeSize === undefined || treeSize === null) {
        const head = this.service.log.latestTreeHead();
        if (head === undefined) return null;
        const proof = await this.service.log
          .inclusionProof({ eventId: event.id }, head.treeSize)
          .catch((error: unknown) => {
            if (error instanceof ProofRequestError && error.field === 'treeSize') return null;
            throw error;
          });
        return proof === null ? null : toInclusionProofType(proof);
      }
      return toInclusionProofType(await this.service.log.inclusionProof({ eventId: event.id }, treeSize));
    });
  }
}
