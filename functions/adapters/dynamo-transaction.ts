import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** An item of a transaction with the name its caller knows it by. */
export interface Labelled<L extends string> {
  readonly label: L;
  readonly item: TransactItem;
}

/** The items whose condition failed, by label, with the old item where the write asked for it (ALL_OLD). */
export class ConditionFailures<L extends string> {
  constructor(private readonly failed: ReadonlyMap<L, Record<string, unknown> | undefined>) {}

  has(label: L): boolean {
    return this.failed.has(label);
  }

  /** The item as it was when the condition failed (only for writes with `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`). */
  oldItem(label: L): Record<string, unknown> | undefined {
    return this.failed.get(label);
  }

  get size(): number {
    return this.failed.size;
  }
}

/**
 * Which labelled items a cancelled transaction failed the conditions of: transaction conflicts are
 * read by the item, not by its position. Undefined when the error is not a cancellation, or when
 * any item was cancelled for another reason (a conflicting transaction, throttling): transient, the
 * caller rethrows and the retry decides.
 */
export function conditionFailures<L extends string>(error: unknown, items: readonly Labelled<L>[]): ConditionFailures<L> | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (reasons.some((reason) => reason.Code && reason.Code !== 'None' && reason.Code !== 'ConditionalCheckFailed')) return undefined;
  const failed = new Map<L, Record<string, unknown> | undefined>();
  reasons.forEach((reason, index) => {
    const entry = items[index];
    if (reason.Code !== 'ConditionalCheckFailed' || !entry) return;
    if (!failed.has(entry.label) || !failed.get(entry.label)) failed.set(entry.label, reason.Item ? unmarshall(reason.Item) : undefined);
  });
  return new ConditionFailures(failed);
}

/** The items to send, in order. */
export const transactItems = <L extends string>(items: readonly Labelled<L>[]): TransactItem[] => items.map((entry) => entry.item);
