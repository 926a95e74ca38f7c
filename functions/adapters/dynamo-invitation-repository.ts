import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Invitation, SurveyResponse } from '../domain/invitation.js';
import { scaleOf, type SurveyKind } from '../domain/survey-kinds.js';
import type { InvitationRepository, RecordResult } from '../ports.js';

/** Created once per cold start; endpoint and region come from the standard AWS SDK settings. */
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

const INVITATION_SK = 'INVITATION';
const CLAIM_SK = 'CLAIM';

export const invitationKey = (tokenHash: string) => ({ pk: `INV#${tokenHash}`, sk: INVITATION_SK });
export const claimKey = (programId: string, eventId: string) => ({ pk: `DISPATCH#${programId}#${eventId}`, sk: CLAIM_SK });

/** The stored shape of an invitation (what the table and its stream hold). */
export interface InvitationItem {
  pk: string;
  sk: string;
  type: 'invitation';
  tokenHash: string;
  programId: string;
  kind: SurveyKind;
  eventId: string;
  locale: Invitation['locale'];
  customer: Invitation['customer'];
  context: Invitation['context'];
  createdAt: string;
  expiresAt: number;
  /** The scale's bounds, so that the response write can check a score without reading first. */
  scaleMin: number;
  scaleMax: number;
  score?: number;
  comment?: string;
  respondedAt?: string;
  userAgent?: string;
}

export function toItem(invitation: Invitation): InvitationItem {
  const { min, max } = scaleOf(invitation.kind);
  return {
    ...invitationKey(invitation.tokenHash),
    type: 'invitation',
    tokenHash: invitation.tokenHash,
    programId: invitation.programId,
    kind: invitation.kind,
    eventId: invitation.eventId,
    locale: invitation.locale,
    customer: invitation.customer,
    context: invitation.context,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    scaleMin: min,
    scaleMax: max,
  };
}

/** Reads an item back; undefined for anything that is not an invitation (claims, other types). */
export function fromItem(item: Record<string, unknown> | undefined): Invitation | undefined {
  if (!item || item.type !== 'invitation') return undefined;
  const stored = item as unknown as InvitationItem;
  const response: SurveyResponse | undefined =
    stored.respondedAt !== undefined && stored.score !== undefined
      ? { score: stored.score, comment: stored.comment, respondedAt: stored.respondedAt, userAgent: stored.userAgent }
      : undefined;
  return {
    tokenHash: stored.tokenHash,
    programId: stored.programId,
    kind: stored.kind,
    eventId: stored.eventId,
    locale: stored.locale,
    customer: stored.customer,
    context: stored.context ?? {},
    createdAt: stored.createdAt,
    expiresAt: stored.expiresAt,
    ...(response ? { response } : {}),
  };
}

/** For stream records and ALL_OLD failure items, which arrive in DynamoDB's attribute-value form. */
export function fromAttributeMap(image: Record<string, AttributeValue> | undefined): Invitation | undefined {
  return image ? fromItem(unmarshall(image)) : undefined;
}

export class DynamoInvitationRepository implements InvitationRepository {
  constructor(private readonly tableName: string, private readonly client: DynamoDBDocumentClient = documentClient) {}

  async create(invitation: Invitation): Promise<'created' | 'duplicate'> {
    const claim = {
      ...claimKey(invitation.programId, invitation.eventId),
      type: 'dispatch-claim',
      tokenHash: invitation.tokenHash,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
    };
    try {
      await this.client.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: claim, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.tableName, Item: toItem(invitation), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }));
      return 'created';
    } catch (error) {
      // Only the claim's condition failing means "already dispatched"; anything else is retried.
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        return 'duplicate';
      }
      throw error;
    }
  }

  async release(invitation: Invitation): Promise<void> {
    await this.client.send(new TransactWriteCommand({
      TransactItems: [
        {
          Delete: {
            TableName: this.tableName,
            Key: claimKey(invitation.programId, invitation.eventId),
            // Release only our own claim, never one a concurrent delivery holds.
            ConditionExpression: 'tokenHash = :tokenHash',
            ExpressionAttributeValues: { ':tokenHash': invitation.tokenHash },
          },
        },
        { Delete: { TableName: this.tableName, Key: invitationKey(invitation.tokenHash) } },
      ],
    }));
  }

  async findByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invitationKey(tokenHash), ConsistentRead: true }));
    return fromItem(Item);
  }

  async recordResponse(tokenHash: string, response: SurveyResponse, now: Date): Promise<RecordResult> {
    const set = ['score = :score', 'respondedAt = :respondedAt'];
    const values: Record<string, unknown> = {
      ':score': response.score,
      ':respondedAt': response.respondedAt,
      ':now': Math.floor(now.getTime() / 1000),
    };
    if (response.comment !== undefined) { set.push('#comment = :comment'); values[':comment'] = response.comment; }
    if (response.userAgent !== undefined) { set.push('userAgent = :userAgent'); values[':userAgent'] = response.userAgent; }
    try {
      const { Attributes } = await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: invitationKey(tokenHash),
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(respondedAt) AND expiresAt > :now AND :score BETWEEN scaleMin AND scaleMax',
        ...(response.comment !== undefined ? { ExpressionAttributeNames: { '#comment': 'comment' } } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      return { status: 'recorded', invitation: fromItem(Attributes) as Invitation };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = fromAttributeMap(error.Item);
      if (!old || old.expiresAt <= (values[':now'] as number)) return { status: 'unavailable' };
      if (old.response) return { status: 'already-answered', invitation: old };
      return { status: 'invalid-score', invitation: old };
    }
  }
}
