import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo-client.js';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { forgetsRespondent, MAX_REVISIONS, withoutRespondent, type Invitation, type PreviousAnswer, type SurveyResponse } from '../domain/invitation.js';
import { scaleOf, type SurveyKind } from '../domain/survey-kinds.js';
import { keys } from './table-keys.js';
import type {
  ContactRepository,
  InvitationRepository,
  RecordResult,
  ReservationGuard,
  ReservationResult,
  ResumeResult,
  SendLease,
  SkipRecord,
  UnsentClaim,
  UnsubscribeTarget,
} from '../ports.js';

export { keys } from './table-keys.js';

/** The stored shape of an invitation (what the table and its stream hold). */
export interface InvitationItem {
  pk: string;
  sk: string;
  type: 'invitation';
  tokenHash: string;
  programId: string;
  kind: SurveyKind;
  eventId: string;
  contactKey: string;
  locale: Invitation['locale'];
  customer: Invitation['customer'];
  context: Invitation['context'];
  createdAt: string;
  expiresAt: number;
  /** The scale's bounds, so that the response write can check a score without reading first. */
  scaleMin: number;
  scaleMax: number;
  score?: number;
  /** '' when the respondent left it empty: a comparable value for "did the answer change". */
  comment?: string;
  secondAnswer?: string;
  respondedAt?: string;
  userAgent?: string;
  evidence?: SurveyResponse['evidence'];
  revision?: number;
  answerWindowEnds?: number;
  history?: PreviousAnswer[];
  /** The reminder (domain/reminder.ts): planned at the send, leased while sending, then marked. */
  reminderPlan?: 'scheduled' | 'held-out';
  reminderLeaseUntil?: number;
  remindedAt?: string;
}

export function toItem(invitation: Invitation): InvitationItem {
  const { min, max } = scaleOf(invitation.kind);
  return {
    ...keys.invitation(invitation.tokenHash),
    type: 'invitation',
    tokenHash: invitation.tokenHash,
    programId: invitation.programId,
    kind: invitation.kind,
    eventId: invitation.eventId,
    contactKey: invitation.contactKey,
    locale: invitation.locale,
    customer: invitation.customer,
    context: invitation.context,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    scaleMin: min,
    scaleMax: max,
    ...(invitation.reminder ? { reminderPlan: invitation.reminder.plan } : {}),
  };
}

/** Reads an item back; undefined for anything that is not an invitation (claims, contacts, …). */
export function fromItem(item: object | undefined): Invitation | undefined {
  if (!item || (item as { type?: unknown }).type !== 'invitation') return undefined;
  const stored = item as unknown as InvitationItem;
  const response: SurveyResponse | undefined =
    stored.respondedAt !== undefined && stored.score !== undefined
      ? {
          score: stored.score,
          ...(stored.comment ? { comment: stored.comment } : {}),
          ...(stored.secondAnswer ? { secondAnswer: stored.secondAnswer } : {}),
          respondedAt: stored.respondedAt,
          ...(stored.userAgent ? { userAgent: stored.userAgent } : {}),
          ...(stored.evidence ? { evidence: stored.evidence } : {}),
          revision: stored.revision ?? 1,
          ...(stored.history?.length ? { history: stored.history } : {}),
        }
      : undefined;
  return {
    tokenHash: stored.tokenHash,
    programId: stored.programId,
    kind: stored.kind,
    eventId: stored.eventId,
    contactKey: stored.contactKey,
    locale: stored.locale,
    customer: stored.customer,
    context: stored.context ?? {},
    createdAt: stored.createdAt,
    expiresAt: stored.expiresAt,
    ...(response ? { response } : {}),
    ...(stored.reminderPlan ? { reminder: { plan: stored.reminderPlan, ...(stored.remindedAt ? { sentAt: stored.remindedAt } : {}) } } : {}),
  };
}

/** For stream records and ALL_OLD failure items, which arrive in DynamoDB's attribute-value form. */
export function fromAttributeMap(image: Record<string, AttributeValue> | undefined): Invitation | undefined {
  return image ? fromItem(unmarshall(image)) : undefined;
}

/**
 * A dispatch claim: 'sending' from the reservation until the mail service accepted the email (then
 * 'sent'), or 'skipped'. Claims written before 'sending' existed say 'sent' at once: they count as sent.
 */
interface ClaimItem {
  status: 'sending' | 'sent' | 'skipped';
  tokenHash?: string;
  token?: string;
  at?: string;
  expiresAt?: number;
  leaseUntil?: number;
}

const unsentOf = (claim: ClaimItem | undefined): UnsentClaim | undefined =>
  claim?.status === 'sending' && claim.tokenHash && claim.token && claim.at && claim.expiresAt !== undefined && claim.leaseUntil !== undefined
    ? { tokenHash: claim.tokenHash, token: claim.token, createdAt: claim.at, expiresAt: claim.expiresAt, leaseUntil: claim.leaseUntil }
    : undefined;

const failedAt = (error: unknown): Set<number> | undefined => {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  // Any other cancellation (a conflicting transaction, throttling) is transient: the caller retries.
  if (reasons.some((r) => r.Code && r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed')) return undefined;
  return new Set(reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : [])));
};

/**
 * What must hold for a survey to go out, checked in the same transaction as the write that sends it
 * (a first reservation or a resumed one): the contact is not suppressed, and no live cancellation
 * exists. The suppression check comes first, the cancellation (if any) right after it.
 */
function sendableChecks(TableName: string, guard: ReservationGuard) {
  return [
    { ConditionCheck: { TableName, Key: keys.suppression(guard.contactKey), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...(guard.cancelKey
      ? // An expired cancellation no longer counts, whether or not TTL has deleted it yet.
        [
          {
            ConditionCheck: {
              TableName,
              Key: keys.cancel(guard.cancelKey),
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
              ExpressionAttributeValues: { ':now': guard.now },
            },
          },
        ]
      : []),
  ];
}

export class DynamoInvitationRepository implements InvitationRepository, ContactRepository {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async reserve(invitation: Invitation, guard: ReservationGuard, lease: SendLease): Promise<ReservationResult> {
    const TableName = this.tableName;
    const claim = {
      ...keys.claim(invitation.programId, invitation.eventId),
      type: 'dispatch-claim',
      status: 'sending',
      programId: invitation.programId,
      eventId: invitation.eventId,
      tokenHash: invitation.tokenHash,
      at: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      // The token, until the send is marked: what a redelivery needs to send the same links (docs/security.md).
      token: lease.token,
      leaseUntil: lease.until,
    };
    const rests = guard.rests.map((rest) => ({
      Update: {
        TableName,
        Key: keys.rest(guard.contactKey, rest.scope),
        UpdateExpression: 'SET #type = :rest, #until = :until, heldBy = :tokenHash, expiresAt = :until',
        ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
        ExpressionAttributeNames: { '#type': 'type', '#until': 'until' },
        ExpressionAttributeValues: { ':rest': 'rest', ':until': rest.until, ':tokenHash': invitation.tokenHash, ':now': guard.now },
      },
    }));
    const suppressionIndex = 2 + rests.length;
    const cancelIndex = suppressionIndex + 1;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            // ALL_OLD: a redelivery learns whether the claim it met was ever marked sent, without a read.
            { Put: { TableName, Item: claim, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            { Put: { TableName, Item: toItem(invitation), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...rests,
            ...sendableChecks(TableName, guard),
          ],
        }),
      );
      return 'reserved';
    } catch (error) {
      const failed = failedAt(error);
      if (!failed) throw error;
      if (failed.has(0)) return this.existingClaim(invitation, error as TransactionCanceledException);
      if (failed.has(suppressionIndex)) return 'suppressed';
      if (failed.has(cancelIndex)) return 'cancelled';
      if ([...failed].some((i) => i >= 2 && i < suppressionIndex)) return 'throttled';
      throw error;
    }
  }

  private async existingClaim(invitation: Invitation, error: TransactionCanceledException): Promise<ReservationResult> {
    const returned = error.CancellationReasons?.[0]?.Item;
    const claim = returned
      ? (unmarshall(returned) as ClaimItem)
      : // Only where the service did not return the item (older emulators): one read, on the redelivery path only.
        ((
          await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.claim(invitation.programId, invitation.eventId), ConsistentRead: true }))
        )?.Item as ClaimItem | undefined);
    const unsent = unsentOf(claim);
    return unsent ? { unsent } : 'duplicate';
  }

  async markSent(invitation: Pick<Invitation, 'programId' | 'eventId' | 'tokenHash'>, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(invitation.programId, invitation.eventId),
          UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE #token, leaseUntil',
          ConditionExpression: 'tokenHash = :tokenHash',
          ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
          ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString(), ':tokenHash': invitation.tokenHash },
        }),
      );
    } catch (error) {
      // The claim is no longer this invitation's (taken back as a rejection): nothing to mark.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async resume(invitation: Invitation, claim: UnsentClaim, guard: ReservationGuard, leaseUntil: number): Promise<ResumeResult> {
    const TableName = this.tableName;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: keys.claim(invitation.programId, invitation.eventId),
                UpdateExpression: 'SET leaseUntil = :leaseUntil',
                // Only an unsent claim of this token whose lease ended: two redeliveries cannot both take it.
                ConditionExpression: '#status = :sending AND tokenHash = :tokenHash AND leaseUntil <= :now',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':leaseUntil': leaseUntil, ':sending': 'sending', ':tokenHash': claim.tokenHash, ':now': guard.now },
              },
            },
            // An answered invitation proves its email arrived; a missing one was erased or rejected.
            {
              ConditionCheck: {
                TableName,
                Key: keys.invitation(claim.tokenHash),
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(respondedAt)',
              },
            },
            ...sendableChecks(TableName, guard),
          ],
        }),
      );
      return 'resumed';
    } catch (error) {
      const failed = failedAt(error);
      if (!failed) throw error;
      if (failed.has(2)) return 'suppressed';
      if (failed.has(3)) return 'cancelled';
      if (failed.has(0)) return 'held';
      if (failed.has(1)) return 'answered';
      throw error;
    }
  }

  async release(invitation: Invitation, guard: ReservationGuard): Promise<void> {
    const TableName = this.tableName;
    // Only what this reservation holds: never a claim or rest period a concurrent delivery took.
    const ours = { ConditionExpression: 'tokenHash = :tokenHash', ExpressionAttributeValues: { ':tokenHash': invitation.tokenHash } };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName, Key: keys.claim(invitation.programId, invitation.eventId), ...ours } },
          { Delete: { TableName, Key: keys.invitation(invitation.tokenHash) } },
          ...guard.rests.map((rest) => ({
            // Gone already (an erasure deletes a contact's rests) is as good as released.
            Delete: {
              TableName,
              Key: keys.rest(guard.contactKey, rest.scope),
              ConditionExpression: 'attribute_not_exists(pk) OR heldBy = :tokenHash',
              ExpressionAttributeValues: ours.ExpressionAttributeValues,
            },
          })),
        ],
      }),
    );
  }

  async recordSkip(skip: SkipRecord): Promise<'recorded' | 'duplicate'> {
    // The claim keeps no personal data: the customer id goes out in SurveySkipped, not into the table.
    const { customerId: _customerId, ...kept } = skip;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.claim(skip.programId, skip.eventId), type: 'dispatch-claim', status: 'skipped', ...kept },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async rejectRecipient(invitation: Invitation, at: Date): Promise<void> {
    const TableName = this.tableName;
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.claim(invitation.programId, invitation.eventId),
              UpdateExpression: 'SET #status = :skipped, reason = :rejected, #at = :at REMOVE tokenHash, #token, leaseUntil',
              ConditionExpression: 'tokenHash = :tokenHash',
              ExpressionAttributeNames: { '#status': 'status', '#at': 'at', '#token': 'token' },
              ExpressionAttributeValues: { ':skipped': 'skipped', ':rejected': 'rejected', ':at': at.toISOString(), ':tokenHash': invitation.tokenHash },
            },
          },
          { Delete: { TableName, Key: keys.invitation(invitation.tokenHash) } },
          { Put: { TableName, Item: { ...keys.suppression(invitation.contactKey), type: 'suppression', reason: 'rejected', at: at.toISOString() } } },
        ],
      }),
    );
  }

  async suppress(contactKey: string, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.suppression(contactKey), type: 'suppression', reason, at: at.toISOString() },
          // The first reason is the one kept; suppressing again changes nothing.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async cancelPending(cancelKey: string, at: Date, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.cancel(cancelKey), type: 'cancel', at: at.toISOString(), expiresAt },
      }),
    );
  }

  async extendRest(contactKey: string, until: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rest(contactKey, 'all'),
          UpdateExpression: 'SET #type = :rest, #until = :until, expiresAt = :until',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
          ExpressionAttributeNames: { '#type': 'type', '#until': 'until' },
          ExpressionAttributeValues: { ':rest': 'rest', ':until': until },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async findByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.invitation(tokenHash), ConsistentRead: true }));
    return fromItem(Item);
  }

  async findUnsubscribeLink(linkKey: string): Promise<UnsubscribeTarget | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.unsubscribeLink(linkKey), ConsistentRead: true }));
    return Item?.type === 'unsubscribe-link' ? { contactKey: Item.contactKey, locale: Item.locale, expiresAt: Item.expiresAt } : undefined;
  }

  async recordResponse(tokenHash: string, response: SurveyResponse, now: Date, answerWindowEnds: number, retainUntil?: number): Promise<RecordResult> {
    const result = await this.record(tokenHash, response, now, answerWindowEnds, retainUntil);
    if (result.status === 'unavailable' || !forgetsRespondent(result.invitation)) return result;
    // A second write, so that the answer's own stream record still reaches the stages; retried by the
    // next POST (already-answered) if it fails. The stages ignore a change without a new revision.
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invitation(tokenHash),
          UpdateExpression: 'REMOVE customer.#email, customer.#name',
          ConditionExpression: 'attribute_exists(customer.#email) OR attribute_exists(customer.#name)',
          ExpressionAttributeNames: { '#email': 'email', '#name': 'name' },
        }),
      );
    } catch (error) {
      // Already gone: a concurrent POST removed them, or an erasure replaced the item.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return { ...result, invitation: withoutRespondent(result.invitation) };
  }

  private async record(tokenHash: string, response: SurveyResponse, now: Date, answerWindowEnds: number, retainUntil?: number): Promise<RecordResult> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const answer = {
      ':score': response.score,
      ':comment': response.comment ?? '',
      ':secondAnswer': response.secondAnswer ?? '',
      ':respondedAt': response.respondedAt,
      ':userAgent': response.userAgent ?? '',
      ':evidence': response.evidence ?? {},
      ':now': nowSeconds,
    };
    const setAnswer =
      'score = :score, #comment = :comment, secondAnswer = :secondAnswer, respondedAt = :respondedAt, userAgent = :userAgent, evidence = :evidence';
    const names = { '#comment': 'comment' };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invitation(tokenHash),
          UpdateExpression: `SET ${setAnswer}, revision = :one, answerWindowEnds = :windowEnds${retainUntil ? ', expiresAt = :retainUntil' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(respondedAt) AND expiresAt > :now AND :score BETWEEN scaleMin AND scaleMax',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...answer, ':one': 1, ':windowEnds': answerWindowEnds, ...(retainUntil ? { ':retainUntil': retainUntil } : {}) },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'recorded', invitation: fromItem(Attributes) as Invitation };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? (unmarshall(error.Item) as InvitationItem) : undefined;
      const invitation = fromItem(old);
      if (!old || !invitation || old.expiresAt <= nowSeconds) return { status: 'unavailable' };
      if (response.score < old.scaleMin || response.score > old.scaleMax) return { status: 'invalid-score', invitation };
      if (!invitation.response) return { status: 'invalid-score', invitation };
      const same = old.score === response.score && (old.comment ?? '') === answer[':comment'] && (old.secondAnswer ?? '') === answer[':secondAnswer'];
      if (same || (old.answerWindowEnds ?? 0) <= nowSeconds || (old.revision ?? 1) >= MAX_REVISIONS) return { status: 'already-answered', invitation };
      return this.changeResponse(tokenHash, old, answer, setAnswer, names);
    }
  }

  /** A changed answer within the window: the earlier one moves to `history`, `revision` counts up. */
  private async changeResponse(
    tokenHash: string,
    old: InvitationItem,
    answer: Record<string, unknown>,
    setAnswer: string,
    names: Record<string, string>,
  ): Promise<RecordResult> {
    const previous: PreviousAnswer = { score: old.score as number, ...(old.comment ? { comment: old.comment } : {}), respondedAt: old.respondedAt as string };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invitation(tokenHash),
          UpdateExpression: `SET ${setAnswer}, revision = revision + :one, history = list_append(if_not_exists(history, :empty), :previous)`,
          // Only over the answer we read: a concurrent change wins, this one is reported as already answered.
          ConditionExpression: 'respondedAt = :oldRespondedAt AND answerWindowEnds > :now AND expiresAt > :now AND revision < :maxRevision',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ...answer,
            ':one': 1,
            ':empty': [],
            ':previous': [previous],
            ':oldRespondedAt': old.respondedAt,
            ':maxRevision': MAX_REVISIONS,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { status: 'changed', invitation: fromItem(Attributes) as Invitation };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { status: 'already-answered', invitation: fromItem(old) as Invitation };
    }
  }
}

// For the reminder's claim (dynamo-reminders.ts), which checks the same as a send.
export { sendableChecks };
