import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { conditionFailures, type TransactItem, transactItems } from './dynamo-transaction.js';
import { keys } from './table-keys.js';

/** How a claim of one email to one person ended: taken, refused by the contact's suppression, or refused by the claim's own condition (with the item as it was). */
export type PersonalClaim = 'claimed' | 'suppressed' | { readonly refused: Record<string, unknown> | undefined };

/**
 * Claims one email to one person (a respondent notification, an announcement), in one transaction:
 * the caller's conditional update of its record (the lease; `ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'` lets a retry learn why without a read), the contact's suppression checked at send time
 * (an unsubscribe or an erasure since wins), and the email's unsubscribe link. Another cancellation (a
 * conflicting transaction, throttling) is transient: it is thrown, and the event source retries.
 */
export async function claimPersonalSend(
  client: DynamoDBDocumentClient,
  TableName: string,
  record: TransactItem,
  contact: { readonly contactKey: string; readonly locale: string },
  link: { readonly key: string; readonly expiresAt: number },
): Promise<PersonalClaim> {
  const items = [
    { label: 'record' as const, item: record },
    {
      label: 'suppression' as const,
      item: { ConditionCheck: { TableName, Key: keys.suppression(contact.contactKey), ConditionExpression: 'attribute_not_exists(pk)' } },
    },
    {
      label: 'link' as const,
      item: {
        Put: {
          TableName,
          Item: {
            ...keys.unsubscribeLink(link.key),
            type: 'unsubscribe-link',
            contactKey: contact.contactKey,
            locale: contact.locale,
            expiresAt: link.expiresAt,
          },
        },
      },
    },
  ];
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transactItems(items) }));
    return 'claimed';
  } catch (error) {
    const failed = conditionFailures(error, items);
    if (failed?.has('record')) return { refused: failed.oldItem('record') };
    if (failed?.has('suppression')) return 'suppressed';
    throw error;
  }
}
