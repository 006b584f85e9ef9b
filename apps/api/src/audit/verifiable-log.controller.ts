import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProofRequestError, type ProofTarget } from '#event-store';
import { param } from '../journalism/http-errors.js';
import { VerifiableLogService } from './verifiable-log.service.js';
import { treeHeadFile } from './verifiable-log.types.js';

type QueryString = Record<string, string | string[] | undefined>;

const JSON_TYPE = 'application/json; charset=utf-8';

/** A count or size parameter: digits only (no sign, no fraction, no exponent). */
function countParameter(query: QueryString, name: string): number | undefined {
  const raw = param(query, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ProofRequestError(
      name,
      `must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}

function required(query: QueryString, name: string): number {
  const value = countParameter(query, name);
  if (value === undefined) throw new ProofRequestError(name, 'is required');
  return value;
}

function targetOf(query: QueryString): ProofTarget {
  const eventId = param(query, 'eventId');
  const position = param(query, 'position');
  if ((eventId === undefined) === (position === undefined)) {
    throw new ProofRequestError('eventId', 'give exactly one of eventId and position');
  }
  if (eventId !== undefined) {
    if (eventId.length === 0 || eventId.length > 200)
      throw new ProofRequestError('eventId', 'must be 1-200 characters');
    return { eventId };
  }
  if (!/^[0-9]{1,20}$/.test(position!)) {
    throw new ProofRequestError('position', 'must be a log position (digits)');
  }
  return { position: BigInt(position!) };
}

/**
 * The verifiable log over HTTP (docs/AUDIT.md): the public key at a well-known URL, the signed tree heads,
 * inclusion and consistency proofs, as JSON in the file formats `communique audit check` reads. A bad
 * parameter is a 400 `{ error: 'BAD_USER_INPUT', parameter, reason }`. Access: `ROUTE_POLICIES`.
 */
@Controller()
export class VerifiableLogController {
  constructor(private readonly service: VerifiableLogService) {}

  @Get('.well-known/communique-log-key')
  key(@Res() reply: FastifyReply): FastifyReply {
    const key = this.service.signer?.publicKey;
    if (key === undefined) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send({ error: 'NOT_FOUND', reason: 'this log has no signing key' });
    }
    return reply.type(JSON_TYPE).send(key);
  }

  @Get('audit/tree-heads')
  treeHeads(@Query() query: QueryString, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.answer(reply, () => {
      const heads = this.service.log.treeHeads(
        countParameter(query, 'first') ?? 20,
        countParameter(query, 'after') ?? 0,
      );
      return { treeHeads: heads.map((head) => ({ seq: head.seq, ...treeHeadFile(head) })) };
    });
  }

  @Get('audit/tree-heads/latest')
  latest(@Res() reply: FastifyReply): FastifyReply {
    const head = this.service.log.latestTreeHead();
    if (head === undefined) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send({ error: 'NOT_FOUND', reason: 'no tree head has been signed yet' });
    }
    return reply.type(JSON_TYPE).send(treeHeadFile(head));
  }

  @Get('audit/proof')
  proof(@Query() query: QueryString, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.answer(reply, () =>
      this.service.log.inclusionProof(targetOf(query), countParameter(query, 'treeSize')),
    );
  }

  @Get('audit/consistency')
  consistency(@Query() query: QueryString, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.answer(reply, () =>
      this.service.log.consistencyProof(required(query, 'from'), required(query, 'to')),
    );
  }

  private async answer(reply: FastifyReply, work: () => unknown): Promise<FastifyReply> {
    try {
      const body = await work();
      return reply.type(JSON_TYPE).send(body);
    } catch (error) {
      if (error instanceof ProofRequestError) {
        return reply
          .code(400)
          .type(JSON_TYPE)
          .send({ error: 'BAD_USER_INPUT', parameter: error.field, reason: error.reason });
      }
      throw error;
    }
  }
}
