import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { forgetsRespondent, type Invitation, MAX_REVISIONS, type PreviousAnswer, type SurveyResponse, withoutRespondent } from '../domain/invitation.js';
import { type SurveyKind, scaleOf } from '../domain/survey-kinds.js';
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
import { CoalescedReads } from './dynamo-batch-get.js';
import { documentClient } from './dynamo-client.js';
import { conditionFailures, transactItems } from './dynamo-transaction.js';
import { items, itemType } from './table-items.js';
import { idOf, keys } from './table-keys.js';

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

/** Reads an item back (the table map's codec); undefined for anything that is not an invitation (claims, contacts, …). */
export function fromItem(item: object | undefined): Invitation | undefined {
  return itemType(item) === 'invitation' ? items.invitation(item) : undefined;
}

/** For stream records and ALL_OLD failure items, which arrive in DynamoDB's attribute-value form. */
export function fromAttributeMap(image: Record<string, AttributeValue> | undefined): Invitation | undefined {
  return image ? fromItem(unmarshall(image)) : undefined;
}

/**
 * A dispatch claim's item: 'sending' from the reservation until the mail service accepted the email
 * (then 'sent'), or 'skipped'. Claims written before 'sending' existed say 'sent' at once: they count
 * as sent. The claim still to send, if it is one (every field it needs present, with its type).
 */
const unsentOf = (claim: Record<string, unknown> | undefined): UnsentClaim | undefined => {
  if (claim?.status !== 'sending') return undefined;
  const { tokenHash, token, at, expiresAt, leaseUntil } = claim;
  return typeof tokenHash === 'string' && typeof token === 'string' && typeof at === 'string' && typeof expiresAt === 'number' && typeof leaseUntil === 'number'
    ? { tokenHash, token, createdAt: at, expiresAt, leaseUntil }
    : undefined;
};

/**
 * What must hold for a survey to go out, checked in the same transaction as the write that sends it
 * (a first reservation or a resumed one): the contact is not suppressed, and no live cancellation
 * exists. The suppression check comes first, the cancellation (if any) right after it.
 * `suppressionInRest`: the caller's transaction updates the contact's `REST#all` item on the
 * condition that it carries no suppression flag (see `reserve`), so the separate check is left out.
 */
export function sendableChecks(TableName: string, guard: ReservationGuard, options: { suppressionInRest?: boolean } = {}) {
  return [
    ...(options.suppressionInRest
      ? []
      : [
          {
            label: 'suppression' as const,
            item: { ConditionCheck: { TableName, Key: keys.suppression(guard.contactKey), ConditionExpression: 'attribute_not_exists(pk)' } },
          },
        ]),
    ...(guard.cancelKey
      ? // An expired cancellation no longer counts, whether or not TTL has deleted it yet.
        [
          {
            label: 'cancellation' as const,
            item: {
              ConditionCheck: {
                TableName,
                Key: keys.cancel(guard.cancelKey),
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': guard.now },
              },
            },
          },
        ]
      : []),
  ];
}

/**
 * A suppression, as two writes in one transaction: the `SUPPRESSED` record (the first reason kept;
 * what the notify stage and an operator read) and the flag on the contact's `REST#all` item, which
 * the reservation checks in the rest update it makes anyway. The flag's item loses its TTL: it is
 * kept for good, as the record is.
 */
export function suppressionWrites(
  TableName: string,
  contactKey: string,
  reason: string,
  at: string,
): {
  Update: Record<string, unknown> & {
    TableName: string;
    Key: Record<string, string>;
    UpdateExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
}[] {
  return [
    {
      Update: {
        TableName,
        Key: keys.suppression(contactKey),
        UpdateExpression: 'SET #type = :suppression, reason = if_not_exists(reason, :reason), #at = if_not_exists(#at, :at)',
        ExpressionAttributeNames: { '#type': 'type', '#at': 'at' },
        ExpressionAttributeValues: { ':suppression': 'suppression', ':reason': reason, ':at': at },
      },
    },
    {
      Update: {
        TableName,
        Key: keys.rest(contactKey, 'all'),
        UpdateExpression: 'SET #type = :rest, suppressed = if_not_exists(suppressed, :reason) REMOVE expiresAt',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':rest': 'rest', ':reason': reason },
      },
    },
  ];
}

/** Written once `migrateSuppressionFlags` has flagged every contact suppressed before the flag existed. */
export const SUPPRESSION_FLAGS_MIGRATED = keys.migration('suppression-flags');
/** How long an instance trusts "not migrated yet" before reading the marker again. */
const MIGRATION_RECHECK_MS = 5 * 60_000;

export class DynamoInvitationRepository implements InvitationRepository, ContactRepository {
  /** Whether the table's suppressions all carry the flag on `REST#all` (read once; "no" again after a while). */
  private flagsMigrated?: { value: boolean; readAt: number };
  private flagsRead?: Promise<boolean>;
  /** Cancellations read before reservations: one consistent BatchGetItem for the records of a batch. */
  private readonly cancellations: CoalescedReads;

  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {
    this.cancellations = new CoalescedReads(client, tableName);
  }

  /**
   * Whether a reservation must check the survey's cancellation in its transaction: only when a live
   * one exists (or the read failed). A consistent read before the transaction costs 1 RRU, read with
   * the batch's others; the check in the transaction costs 2 WRU on every survey of a cancellable
   * program. What the read gives up: a cancellation written in the milliseconds between the read and
   * the transaction does not stop this send, as one written just after the reservation never did
   * (docs/reliability.md).
   */
  private async cancellationToCheck(guard: ReservationGuard): Promise<boolean> {
    if (!guard.cancelKey) return false;
    try {
      const item = await this.cancellations.get(keys.cancel(guard.cancelKey));
      // As the check would judge it: live unless its expiry has passed.
      return item !== undefined && !(Number(item.expiresAt) <= guard.now);
    } catch {
      return true;
    }
  }

  /**
   * Until `migrateSuppressionFlags` has run on the table, a contact suppressed by an earlier version
   * has the `SUPPRESSED` record and no flag: the reservation keeps the separate check till then.
   */
  private suppressionFlagsMigrated(): Promise<boolean> {
    const known = this.flagsMigrated;
    if (known && (known.value || Date.now() - known.readAt < MIGRATION_RECHECK_MS)) return Promise.resolve(known.value);
    // Concurrent reservations of a cold start share one read.
    this.flagsRead ??= (async () => {
      // Unreadable (a transient error, a grant missing): not migrated, so the separate check stays — never a send it would refuse.
      let migrated = false;
      try {
        const read = await this.client.send(new GetCommand({ TableName: this.tableName, Key: SUPPRESSION_FLAGS_MIGRATED, ConsistentRead: true }));
        migrated = read?.Item !== undefined;
      } catch {
        migrated = false;
      }
      this.flagsMigrated = { value: migrated, readAt: Date.now() };
      return this.flagsMigrated.value;
    })().finally(() => {
      this.flagsRead = undefined;
    });
    return this.flagsRead;
  }

  /**
   * The upgrade step of the suppression flag (docs/upgrading.md): flags `REST#all` of every contact
   * with a `SUPPRESSED` record, then writes the marker that lets reservations rely on the flag alone.
   * Idempotent; run it again after a deploy if an earlier version may still have been suppressing.
   * Returns the number of records it flagged.
   */
  async migrateSuppressionFlags(): Promise<number> {
    let flagged = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :suppressed',
          ExpressionAttributeValues: { ':suppressed': 'SUPPRESSED' },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const contactKey = idOf.contact(item.pk);
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: suppressionWrites(this.tableName, contactKey, String(item.reason ?? 'suppressed'), String(item.at ?? '')),
          }),
        );
        flagged++;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...SUPPRESSION_FLAGS_MIGRATED, type: 'migration', at: new Date().toISOString() } }),
    );
    this.flagsMigrated = { value: true, readAt: Date.now() };
    return flagged;
  }

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
    // A suppressed contact's REST#all carries the flag (and no TTL): the rest update refuses it too.
    const rests = guard.rests.map((rest) => ({
      label: rest.scope === 'all' ? ('rest-all' as const) : ('rest' as const),
      item: {
        Update: {
          TableName,
          Key: keys.rest(guard.contactKey, rest.scope),
          UpdateExpression: 'SET #type = :rest, #until = :until, heldBy = :tokenHash, expiresAt = :until',
          ConditionExpression: '(attribute_not_exists(pk) OR #until <= :now) AND attribute_not_exists(suppressed)',
          ExpressionAttributeNames: { '#type': 'type', '#until': 'until' },
          ExpressionAttributeValues: { ':rest': 'rest', ':until': rest.until, ':tokenHash': invitation.tokenHash, ':now': guard.now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
    }));
    const restAll = guard.rests.some((rest) => rest.scope === 'all');
    const [suppressionInRest, cancellation] = await Promise.all([restAll && this.suppressionFlagsMigrated(), this.cancellationToCheck(guard)]);
    const { cancelKey: _cancelKey, ...uncancellable } = guard;
    const items = [
      // ALL_OLD: a redelivery learns whether the claim it met was ever marked sent, without a read.
      {
        label: 'claim' as const,
        item: { Put: { TableName, Item: claim, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } },
      },
      { label: 'invitation' as const, item: { Put: { TableName, Item: toItem(invitation), ConditionExpression: 'attribute_not_exists(pk)' } } },
      ...rests,
      ...sendableChecks(TableName, cancellation ? guard : uncancellable, { suppressionInRest }),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: transactItems(items) }));
      return 'reserved';
    } catch (error) {
      const failed = conditionFailures(error, items);
      if (!failed) throw error;
      if (failed.has('claim')) return this.existingClaim(invitation, failed.oldItem('claim'));
      if (failed.has('suppression')) return 'suppressed';
      if (failed.has('rest-all') && (await this.flagged(guard.contactKey, failed.oldItem('rest-all')))) return 'suppressed';
      if (failed.has('cancellation')) return 'cancelled';
      if (failed.has('rest') || failed.has('rest-all')) return 'throttled';
      throw error;
    }
  }

  /** Whether the contact's REST#all item that failed a condition carries the suppression flag (from the failure, else one read). */
  private async flagged(contactKey: string, returned: Record<string, unknown> | undefined): Promise<boolean> {
    const item = returned
      ? returned
      : (await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.rest(contactKey, 'all'), ConsistentRead: true }))).Item;
    return item?.suppressed !== undefined;
  }

  private async existingClaim(invitation: Invitation, returned: Record<string, unknown> | undefined): Promise<ReservationResult> {
    const claim =
      returned ??
      // Only where the service did not return the item (older emulators): one read, on the redelivery path only.
      (await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.claim(invitation.programId, invitation.eventId), ConsistentRead: true })))
        ?.Item;
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
    const items = [
      {
        label: 'claim' as const,
        item: {
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
      },
      // An answered invitation proves its email arrived; a missing one was erased or rejected; one of
      // another contact means the event id came back for someone else (its link must not go to them).
      {
        label: 'invitation' as const,
        item: {
          ConditionCheck: {
            TableName,
            Key: keys.invitation(claim.tokenHash),
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(respondedAt) AND contactKey = :contactKey',
            ExpressionAttributeValues: { ':contactKey': guard.contactKey },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        },
      },
      ...sendableChecks(TableName, guard),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: transactItems(items) }));
      return 'resumed';
    } catch (error) {
      const failed = conditionFailures(error, items);
      if (!failed) throw error;
      if (failed.has('suppression')) return 'suppressed';
      if (failed.has('cancellation')) return 'cancelled';
      if (failed.has('claim')) return 'held';
      if (failed.has('invitation')) {
        const stored = failed.oldItem('invitation');
        return stored && stored.contactKey !== guard.contactKey ? 'reused' : 'answered';
      }
      throw error;
    }
  }

  async release(invitation: Invitation, guard: ReservationGuard): Promise<void> {
    const TableName = this.tableName;
    // Only what this reservation holds: never a claim or rest period a concurrent delivery took.
    const ours = { ConditionExpression: 'tokenHash = :tokenHash', ExpressionAttributeValues: { ':tokenHash': invitation.tokenHash } };
    let rests = guard.rests;
    for (;;) {
      const items = [
        { label: 'claim' as const, item: { Delete: { TableName, Key: keys.claim(invitation.programId, invitation.eventId), ...ours } } },
        { label: 'invitation' as const, item: { Delete: { TableName, Key: keys.invitation(invitation.tokenHash) } } },
        ...rests.map((rest) => ({
          label: rest.scope === 'all' ? ('rest-all' as const) : ('rest' as const),
          item: {
            // Gone already (an erasure deletes a contact's rests) is as good as released; one suppressed since is kept (the flag).
            Delete: {
              TableName,
              Key: keys.rest(guard.contactKey, rest.scope),
              ConditionExpression: '(attribute_not_exists(pk) OR heldBy = :tokenHash) AND attribute_not_exists(suppressed)',
              ExpressionAttributeValues: ours.ExpressionAttributeValues,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            },
          },
        })),
      ];
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: transactItems(items) }));
        return;
      } catch (error) {
        const failed = conditionFailures(error, items);
        // The contact was suppressed while this reservation held its rest: release the rest but that item.
        if (failed?.size !== 1 || !failed.has('rest-all') || !(await this.flagged(guard.contactKey, failed.oldItem('rest-all')))) throw error;
        rests = rests.filter((rest) => rest.scope !== 'all');
      }
    }
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
          ...suppressionWrites(TableName, invitation.contactKey, 'rejected', at.toISOString()),
        ],
      }),
    );
  }

  async suppress(contactKey: string, reason: string, at: Date): Promise<void> {
    // The first reason is the one kept; suppressing again changes nothing.
    await this.client.send(new TransactWriteCommand({ TransactItems: suppressionWrites(this.tableName, contactKey, reason, at.toISOString()) }));
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
          // A suppressed contact's REST#all keeps no TTL (the flag is kept for good): not extended.
          ConditionExpression: '(attribute_not_exists(#until) OR #until < :until) AND attribute_not_exists(suppressed)',
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
          UpdateExpression: 'REMOVE customer.#email, customer.#name, customer.#id',
          ConditionExpression: 'attribute_exists(customer.#email) OR attribute_exists(customer.#name) OR attribute_exists(customer.#id)',
          ExpressionAttributeNames: { '#email': 'email', '#name': 'name', '#id': 'id' },
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
