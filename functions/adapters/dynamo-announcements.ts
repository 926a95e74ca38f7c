import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AnnouncementClaim, AnnouncementJob, AnnouncementReader, AnnouncementRecords } from '../announce/announce.js';
import { surveyTable } from '../config/resources.js';
import type { AnsweredInvitation } from '../domain/announcement.js';
import { batchGet, type Item, type Key } from './dynamo-batch-get.js';
import { claimPersonalSend } from './dynamo-claims.js';
import { documentClient } from './dynamo-client.js';
import { idOf, isInvitationKey, keys } from './table-keys.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const isLive = (item: Item) => typeof item.expiresAt !== 'number' || item.expiresAt > nowSeconds();

/**
 * The announce stage's reads and records in the survey table. The selection reads the answer index
 * (keys only) and then the items by key in batches: never a scan. A person's announcement record
 * (`ANNOUNCE#<id>#<contactKey>`) carries the contact key, so `closeloop erase` finds and deletes it.
 */
export class DynamoAnnouncements implements AnnouncementReader, AnnouncementRecords {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async *answeredSince(programId: string, since: string): AsyncIterable<readonly string[]> {
    const index = surveyTable.answerIndex;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#program = :program AND #answered >= :since',
          ExpressionAttributeNames: { '#program': index.partitionKey, '#answered': index.sortKey },
          ExpressionAttributeValues: { ':program': programId, ':since': new Date(since).toISOString() },
          ExclusiveStartKey,
        }),
      );
      const tokenHashes = (page.Items ?? []).filter((item) => isInvitationKey(item.pk)).map((item) => idOf.invitation(item.pk));
      if (tokenHashes.length) yield tokenHashes;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async answers(tokenHashes: readonly string[]): Promise<AnsweredInvitation[]> {
    const items = await this.batchGet(tokenHashes.map((tokenHash) => keys.invitation(tokenHash)));
    return items
      .filter((item) => item.type === 'invitation' && typeof item.respondedAt === 'string' && isLive(item))
      .map((item) => {
        const customer = (item.customer ?? {}) as { email?: string };
        return {
          tokenHash: String(item.tokenHash),
          programId: String(item.programId),
          contactKey: String(item.contactKey),
          locale: String(item.locale),
          respondedAt: String(item.respondedAt),
          ...(typeof item.comment === 'string' && item.comment ? { comment: item.comment } : {}),
          ...(customer.email ? { email: customer.email } : {}),
        };
      });
  }

  async rootCauses(caseIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const items = await this.batchGet(
      caseIds.map((caseId) => keys.case(caseId)),
      'caseId, rootCause, expiresAt, #type',
      { '#type': 'type' },
    );
    return new Map(
      items
        .filter((item) => item.type === 'case' && typeof item.rootCause === 'string' && isLive(item))
        .map((item) => [String(item.caseId), String(item.rootCause)]),
    );
  }

  async suppressed(contactKeys: readonly string[]): Promise<ReadonlySet<string>> {
    const items = await this.batchGet(
      contactKeys.map((contactKey) => keys.suppression(contactKey)),
      'pk',
    );
    return new Set(items.map((item) => idOf.contact(item.pk)));
  }

  async announced(announcementId: string, contactKeys: readonly string[]): Promise<ReadonlySet<string>> {
    const items = await this.batchGet(
      contactKeys.map((contactKey) => keys.announcement(announcementId, contactKey)),
      'contactKey, #status, leaseUntil',
      { '#status': 'status' },
    );
    // A claim released after a failed send (its lease ended) is not an announcement: a rerun may queue it again.
    return new Set(items.filter((item) => item.status !== 'sending' || Number(item.leaseUntil) > nowSeconds()).map((item) => String(item.contactKey)));
  }

  async recipient(tokenHash: string): Promise<{ contactKey: string; email: string; name?: string } | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.invitation(tokenHash), ConsistentRead: true }));
    if (Item?.type !== 'invitation' || !isLive(Item)) return undefined;
    const customer = (Item.customer ?? {}) as { email?: string; name?: string };
    if (!customer.email) return undefined;
    return { contactKey: String(Item.contactKey), email: customer.email, ...(customer.name ? { name: customer.name } : {}) };
  }

  async claim(job: AnnouncementJob, now: number, leaseUntil: number, link: { key: string; expiresAt: number }, expiresAt: number): Promise<AnnouncementClaim> {
    const claimed = await claimPersonalSend(
      this.client,
      this.tableName,
      {
        Update: {
          TableName: this.tableName,
          Key: keys.announcement(job.announcementId, job.contactKey),
          UpdateExpression:
            'SET #type = :type, #status = :sending, leaseUntil = :lease, announcementId = :id, programId = :program, contactKey = :contact, locale = :locale, expiresAt = :expires ADD attempts :one',
          // A first claim, or one whose lease ended (the send that held it failed or died).
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND leaseUntil <= :now)',
          ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
          ExpressionAttributeValues: {
            ':type': 'announcement',
            ':sending': 'sending',
            ':lease': leaseUntil,
            ':id': job.announcementId,
            ':program': job.programId,
            ':contact': job.contactKey,
            ':locale': job.locale,
            ':expires': expiresAt,
            ':now': now,
            ':one': 1,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      job,
      link,
    );
    if (typeof claimed === 'string') return claimed;
    return claimed.refused?.status === 'sending' ? 'held' : 'done';
  }

  async markSent(announcementId: string, contactKey: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.announcement(announcementId, contactKey),
        UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE leaseUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString() },
      }),
    );
  }

  async release(announcementId: string, contactKey: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.announcement(announcementId, contactKey),
        UpdateExpression: 'SET leaseUntil = :zero',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':sending': 'sending' },
      }),
    );
  }

  async skip(announcementId: string, contactKey: string, reason: 'rejected', at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.announcement(announcementId, contactKey),
        UpdateExpression: 'SET #status = :skipped, reason = :reason, skippedAt = :at REMOVE leaseUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':skipped': 'skipped', ':reason': reason, ':at': at.toISOString() },
      }),
    );
  }

  private batchGet(all: readonly Key[], projection?: string, names?: Record<string, string>): Promise<Item[]> {
    return batchGet(this.client, this.tableName, all, { ...(projection ? { projection } : {}), ...(names ? { names } : {}) });
  }
}
