/**
 * Write units counted, not estimated: a middleware on the DynamoDB client of the real adapters asks
 * every write (PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem) for its
 * consumed capacity (`ReturnConsumedCapacity: INDEXES`) and books what DynamoDB Local returns —
 * table and each GSI — to the survey, response or notification whose work made the call, and to
 * the partition key written.
 *
 * Where DynamoDB Local does not report what DynamoDB bills, DynamoDB's documented rules fill in,
 * booked as "calculated" (checked against DynamoDB Local 2026-01-16 in this repository):
 * - TransactWriteItems: Local's table total counts only the transaction's Puts (a Put and an Update
 *   report 2, two Puts 4, a ConditionCheck 0). DynamoDB bills every item of a transaction, a
 *   ConditionCheck included, 2 WRU per started KB: each item is calculated so, its size the Put's
 *   own or, for an Update, Delete or ConditionCheck, the item as stored at the end of the run (an
 *   upper bound: items only grow on these paths). Local's GSI units of a transaction are kept.
 * - A conditional write whose condition fails is billed 1 WRU per started KB; Local returns no
 *   ConsumedCapacity with the error.
 * Single-item writes (PutItem, UpdateItem, DeleteItem) are measured as Local reports them, table and GSIs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue, ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { surveyTable } from '../functions/config/resources.js';

/** `action`: a support agent's action on a case (the workspace's acknowledge, assign, note, reply, resolve). */
export type Phase = 'survey' | 'response' | 'notification' | 'action';

/** Whose work a write is: set around each survey, response or notification driven through the use cases. */
export interface Actor {
  readonly phase: Phase;
  readonly id: string;
  /**
   * For work done for many at once (a stream batch counted together): whose each written item is
   * (`pk`, `sk`), its units split evenly among them; an item nobody owns is booked to `id`.
   */
  readonly owners?: (pk: string, sk: string) => readonly string[];
}

export interface Booking {
  readonly phase: Phase;
  readonly actor: string;
  /** The partition key written (`pk`), or `<index>:<index key>` for a GSI entry. */
  key: string;
  units: number;
  readonly basis: 'measured' | 'calculated';
  /** A transaction's item whose size is known only at the end (finalize). */
  pending?: { readonly sk: string; readonly factor: 1 | 2 };
  /** This actor's share of the item's units (1 unless a batch's item is split among its owners). */
  readonly share?: number;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
/** GSIs of the survey table and the attribute that makes an item an entry of each. */
const INDEX_KEYS: Record<string, string> = {
  [surveyTable.contactIndex.name]: surveyTable.contactIndex.partitionKey,
  [surveyTable.slaIndex.name]: surveyTable.slaIndex.partitionKey,
  [surveyTable.inboxIndex.name]: surveyTable.inboxIndex.partitionKey,
  [surveyTable.answerIndex.name]: surveyTable.answerIndex.partitionKey,
};

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits + 1, 3 bytes per map or list). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/^-/, '').length / 2) + 1;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.B !== undefined) return v.B.length;
    if (v.SS !== undefined) return v.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    if (v.NS !== undefined) return v.NS.reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
    if (v.L !== undefined) return 3 + v.L.reduce((sum, e) => sum + 1 + value(e), 0);
    if (v.M !== undefined) return 3 + itemBytes(v.M);
    return 0;
  };
  return Object.entries(item).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + value(v), 0);
}

const asAttributes = (item: Record<string, unknown>): Record<string, AttributeValue> => {
  const first = Object.values(item)[0] as Record<string, unknown> | undefined;
  // Plain JS (document client, before its marshalling) or already attribute values (plain client).
  const marshalled = first && typeof first === 'object' && Object.keys(first).length === 1 && /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/.test(Object.keys(first)[0]!);
  return marshalled ? (item as Record<string, AttributeValue>) : marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
};
const text = (v: unknown) => (typeof v === 'string' ? v : ((v as { S?: string } | undefined)?.S ?? String(v)));

interface WrittenItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  /** Started KB, for the split of a transaction's total. */
  readonly kb: number;
  readonly check: boolean;
  /** The GSI keys this write sets, by index name. */
  readonly indexKeys: Record<string, string>;
}

type Request = Record<string, unknown> & {
  Key?: Record<string, unknown>;
  Item?: Record<string, unknown>;
  UpdateExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
};

function written(request: Request, kind: WrittenItem['kind'], check = false): WrittenItem {
  const item = request.Item;
  const key = item ?? request.Key ?? {};
  const indexKeys: Record<string, string> = {};
  for (const [index, attribute] of Object.entries(INDEX_KEYS)) {
    if (item && item[attribute] !== undefined) indexKeys[index] = text(item[attribute]);
    else if (request.UpdateExpression?.includes(attribute) && request.ExpressionAttributeValues?.[`:${attribute}`] !== undefined) {
      indexKeys[index] = text(request.ExpressionAttributeValues[`:${attribute}`]);
    } else if (!item) indexKeys[index] = `@${text(key.pk)}`;
  }
  return { pk: text(key.pk), sk: text(key.sk), kind, kb: item ? Math.max(1, Math.ceil(itemBytes(asAttributes(item)) / 1024)) : 0, check, indexKeys };
}

function itemsOf(command: string, input: Record<string, unknown>): WrittenItem[] {
  if (command === 'TransactWriteItemsCommand') {
    return (input.TransactItems as Record<string, Request>[]).map((entry) => {
      const [kind, request] = Object.entries(entry)[0] as [string, Request];
      return written(request, kind as WrittenItem['kind'], kind === 'ConditionCheck');
    });
  }
  if (command === 'BatchWriteItemCommand') {
    return Object.values(input.RequestItems as Record<string, Record<string, Request>[]>).flatMap((requests) =>
      requests.map((r) => written({ ...(r.PutRequest ?? {}), ...(r.DeleteRequest ?? {}) } as Request, r.PutRequest ? 'Put' : 'Delete')),
    );
  }
  const kind = command === 'PutItemCommand' ? 'Put' : command === 'DeleteItemCommand' ? 'Delete' : 'Update';
  return [written(input as Request, kind)];
}

export class WriteLedger {
  readonly bookings: Booking[] = [];
  readonly actor = new AsyncLocalStorage<Actor>();
  /** Write calls per command, for the record of what DynamoDB Local reported. */
  readonly calls: Record<string, { count: number; reported: number }> = {};

  /** Runs `work` as `actor`'s: every write it makes is booked to it. */
  as<T>(phase: Phase, id: string, work: () => Promise<T>, owners?: Actor['owners']): Promise<T> {
    return this.actor.run({ phase, id, ...(owners ? { owners } : {}) }, work);
  }

  /** Adds the middleware to a client the adapters use (before DocumentClient.from). */
  attach<C extends DynamoDBClient>(client: C): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!WRITES.has(command)) return next(args);
        const input = { ...(args.input as Record<string, unknown>), ReturnConsumedCapacity: 'INDEXES' };
        const actor = this.actor.getStore();
        const items = itemsOf(command, input);
        this.calls[command] ??= { count: 0, reported: 0 };
        const calls = this.calls[command];
        calls.count++;
        try {
          const result = await next({ ...args, input });
          const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
          if (reported) calls.reported++;
          if (actor) this.book(actor, items, [reported ?? []].flat());
          return result;
        } catch (error) {
          // Failed conditions are billed too (1 WRU per started KB of the item); DynamoDB Local reports nothing with the error.
          if (actor && (error as Error).name === 'ConditionalCheckFailedException') {
            for (const item of items) this.add(actor, item, { key: item.pk, units: item.kb, basis: 'calculated', pending: { sk: item.sk, factor: 1 } });
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'closeloopConsumedCapacity' },
    );
    return client;
  }

  /** Books units of a written item to its actor, or split evenly among its owners (a batch's shared item). */
  private add(actor: Actor, item: Pick<WrittenItem, 'pk' | 'sk'>, booking: Omit<Booking, 'phase' | 'actor' | 'share'>): void {
    const owners = actor.owners?.(item.pk, item.sk) ?? [];
    const ids = owners.length ? owners : [actor.id];
    const share = 1 / ids.length;
    for (const id of ids) this.bookings.push({ ...booking, phase: actor.phase, actor: id, units: booking.units * share, share });
  }

  private book(actor: Actor, items: readonly WrittenItem[], reported: readonly ConsumedCapacity[]): void {
    const push = (item: WrittenItem, key: string, units: number, basis: Booking['basis']) => {
      if (units > 0) this.add(actor, item, { key, units, basis });
    };
    const transaction = items.length > 1 || items.some((i) => i.check);
    const writes = items.filter((i) => !i.check);
    if (transaction) {
      // Local's transaction totals leave out Updates, Deletes and ConditionChecks: every item by DynamoDB's rule.
      for (const item of items) this.add(actor, item, { key: item.pk, units: 2 * item.kb, basis: 'calculated', pending: { sk: item.sk, factor: 2 } });
    } else {
      const tableUnits = reported.reduce((sum, c) => sum + (c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0), 0);
      const weight = writes.reduce((sum, i) => sum + Math.max(1, i.kb), 0);
      for (const item of writes) push(item, item.pk, (tableUnits * Math.max(1, item.kb)) / weight, 'measured');
    }
    for (const [index, units] of Object.entries(
      reported.reduce<Record<string, number>>((all, c) => {
        for (const [name, gsi] of Object.entries(c.GlobalSecondaryIndexes ?? {})) all[name] = (all[name] ?? 0) + (gsi.CapacityUnits ?? 0);
        return all;
      }, {}),
    )) {
      // Items that set the index key carry the units; failing those, the updated items (their entry was rewritten).
      const explicit = writes.filter((i) => i.indexKeys[index] !== undefined && !i.indexKeys[index]!.startsWith('@'));
      const carriers = explicit.length ? explicit : writes.filter((i) => i.indexKeys[index] !== undefined);
      if (!carriers.length && units > 0) this.bookings.push({ phase: actor.phase, actor: actor.id, key: `${index}:?`, units, basis: 'measured' });
      for (const item of carriers) push(item, `${index}:${item.indexKeys[index]}`, units / carriers.length, 'measured');
    }
  }

  /**
   * Sizes the items whose size was not in the request (a transaction's Updates, Deletes and checks, a
   * failed condition's item) from the table as it ends, `2 ×` (transactions) or `1 ×` (failed
   * conditions) its started KB, and names the GSI key of index entries an update rewrote.
   */
  finalize(items: readonly Record<string, unknown>[]): void {
    const byKey = new Map(items.map((item) => [`${text(item.pk)}|${text(item.sk)}`, item]));
    for (const b of this.bookings) {
      if (b.pending) {
        const item = byKey.get(`${b.key}|${b.pending.sk}`);
        const kb = item ? Math.max(1, Math.ceil(itemBytes(asAttributes(item)) / 1024)) : 1;
        // A Put's size came with its request (units already set); 0 means "known only now".
        if (b.units === 0) b.units = b.pending.factor * kb * (b.share ?? 1);
        delete b.pending;
      }
      const entry = /^([^:]+):@(.*)$/.exec(b.key);
      if (entry) {
        const owner = items.find((item) => text(item.pk) === entry[2]);
        const attribute = INDEX_KEYS[entry[1]!]!;
        b.key = `${entry[1]}:${owner?.[attribute] !== undefined ? text(owner[attribute]) : '(gone)'}`;
      }
    }
  }

  /** Write units per actor of a phase: measured and calculated. */
  perActor(phase: Phase): Map<string, { measured: number; calculated: number }> {
    const actors = new Map<string, { measured: number; calculated: number }>();
    for (const b of this.bookings.filter((b) => b.phase === phase)) {
      const a = actors.get(b.actor) ?? { measured: 0, calculated: 0 };
      a[b.basis] += b.units;
      actors.set(b.actor, a);
    }
    return actors;
  }
}

/** A key's family: what precedes its first `#` (`AGG`, `INV`, `CONTACT`…), or the index name for a GSI entry. */
export const familyOf = (key: string) => (key.includes(':') ? `index ${key.split(':')[0]}` : (key.split('#')[0] ?? key));

export interface KeyLoad {
  readonly family: string;
  /** Write units of the family per survey (its share of all writes follows from it). */
  readonly unitsPerSurvey: number;
  readonly unitsPerResponse: number;
  readonly distinctKeys: number;
  /** Its busiest key: written by more than one survey or response (shared), or one's own. */
  readonly hottestKey: string;
  readonly shared: boolean;
  /** The hottest key's write units per second at the peak rates, scaled from its share of this run's surveys and responses. */
  readonly peakWcuPerSecond: number;
}

/**
 * Per key family: write units per survey and per response, and the peak write rate of its busiest
 * key at `rates` (surveys and responses per second). A key written by one survey only (an
 * invitation, a claim) takes that survey's units once, whatever the rate.
 */
export function keyLoads(ledger: WriteLedger, counts: { survey: number; response: number }, rates: { survey: number; response: number }): KeyLoad[] {
  const byKey = new Map<string, { survey: number; response: number; actors: Set<string> }>();
  for (const b of ledger.bookings) {
    if (b.phase === 'notification' || b.phase === 'action') continue;
    const k = byKey.get(b.key) ?? { survey: 0, response: 0, actors: new Set<string>() };
    k[b.phase] += b.units;
    // A survey and its response are one person's: the same actor id in both phases.
    k.actors.add(b.actor);
    byKey.set(b.key, k);
  }
  const families = new Map<string, KeyLoad>();
  for (const [key, load] of byKey) {
    const family = familyOf(key);
    const shared = load.actors.size > 1;
    const peak = shared ? (load.survey / counts.survey) * rates.survey + (load.response / counts.response) * rates.response : load.survey + load.response;
    const before = families.get(family);
    const hotter = !before || (shared && !before.shared) || (shared === before.shared && peak > before.peakWcuPerSecond);
    families.set(family, {
      family,
      unitsPerSurvey: (before?.unitsPerSurvey ?? 0) + load.survey / counts.survey,
      unitsPerResponse: (before?.unitsPerResponse ?? 0) + load.response / counts.response,
      distinctKeys: (before?.distinctKeys ?? 0) + 1,
      hottestKey: hotter ? key : before.hottestKey,
      shared: hotter ? shared : before.shared,
      peakWcuPerSecond: hotter ? peak : before.peakWcuPerSecond,
    });
  }
  return [...families.values()].sort((a, b) => b.unitsPerSurvey + b.unitsPerResponse - (a.unitsPerSurvey + a.unitsPerResponse));
}
