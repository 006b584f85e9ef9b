import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { ConsistencyProof, InclusionProof, SignedTreeHead, StoredTreeHead } from '#event-store';
import { DateTimeScalar, PositionScalar } from '../graphql/scalars.js';

@ObjectType('TreeHead', {
  description:
    'A signed tree head of the verifiable log (docs/AUDIT.md): the RFC 6962 root over the first `treeSize` ' +
    'event hashes in log order, signed with the log key.',
})
export class TreeHeadType {
  @Field(() => Int, { description: 'sequence number of the tree head here (the `after` cursor)' })
  seq!: number;
  @Field(() => Int) treeSize!: number;
  @Field({ description: '64 lowercase hex digits' }) rootHash!: string;
  @Field({ description: 'milliseconds since the Unix epoch, as a decimal string (the signed value)' })
  timestamp!: string;
  @Field(() => DateTimeScalar, { description: '`timestamp` as an ISO-8601 instant' }) time!: string;
  @Field({ description: 'lowercase hex SHA-256 of the log key (DER SubjectPublicKeyInfo)' }) keyId!: string;
  @Field({ description: 'base64 Ed25519 signature (docs/AUDIT.md says over which bytes)' })
  signature!: string;
  @Field({ description: 'the tree head as a file for `communique audit check --head`' }) json!: string;
}

@ObjectType('InclusionProof', { description: 'The audit path of an event in the tree of `treeSize` events.' })
export class InclusionProofType {
  @Field(() => Int) treeSize!: number;
  @Field(() => Int, { description: '0-based index of the event in log order' }) leafIndex!: number;
  @Field(() => ID) eventId!: string;
  @Field(() => PositionScalar) position!: bigint;
  @Field({ description: 'the leaf input: the event hash (64 lowercase hex digits)' }) leafInput!: string;
  @Field(() => [String], { description: 'RFC 6962 audit path, bottom-up' }) auditPath!: string[];
  @Field({ description: 'the proof as a file for `communique audit check`' }) json!: string;
}

@ObjectType('ConsistencyProof', {
  description: 'Proof that the tree of `secondTreeSize` extends the tree of `firstTreeSize`.',
})
export class ConsistencyProofType {
  @Field(() => Int) firstTreeSize!: number;
  @Field(() => Int) secondTreeSize!: number;
  @Field(() => [String], { description: 'RFC 6962 consistency proof nodes' }) path!: string[];
  @Field({ description: 'the proof as a file for `communique audit check`' }) json!: string;
}

@ObjectType('LogKey', { description: 'The public key that signs tree heads.' })
export class LogKeyType {
  @Field() algorithm!: string;
  @Field() keyId!: string;
  @Field({ description: 'base64 of the DER SubjectPublicKeyInfo' }) publicKey!: string;
  @Field() publicKeyPem!: string;
}

/** A tree head as a file holds it: docs/AUDIT.md's members, in that order, without the local `seq`. */
export function treeHeadFile(head: StoredTreeHead): SignedTreeHead {
  return {
    version: 1,
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.timestamp,
    keyId: head.keyId,
    signature: head.signature,
  };
}

export function toTreeHeadType(head: StoredTreeHead): TreeHeadType {
  return {
    seq: head.seq,
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: String(head.timestamp),
    time: new Date(head.timestamp).toISOString(),
    keyId: head.keyId,
    signature: head.signature,
    json: JSON.stringify(treeHeadFile(head)),
  };
}

export function toInclusionProofType(proof: InclusionProof): InclusionProofType {
  return { ...proof, position: BigInt(proof.position), json: JSON.stringify(proof) };
}

export function toConsistencyProofType(proof: ConsistencyProof): ConsistencyProofType {
  return { ...proof, json: JSON.stringify(proof) };
}
