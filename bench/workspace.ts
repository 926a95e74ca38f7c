/**
 * The workspace (issue 26), measured side by side:
 * - the inbox API at 10,000 open cases: `GET /api/cases` (a page of 25) through the workspace's
 *   handler code (claims, team scope, listing, summaries, cursor, JSON) against the bare calls it
 *   makes (one Query per inbox partition, merged by resolve-by time, then the page's consistent
 *   GetItems), each worker alternating the two, so a busy moment of the machine hits both;
 * - the write units of each case action, counted with ConsumedCapacity (capacity.ts) on a table with
 *   the stack's GSIs, through the same API;
 * - time to interactive in Chromium on a warm sandbox (./workspace-child.ts, a process of its own).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoAggregateStore } from '../functions/adapters/dynamo-aggregate-store.js';
import { DynamoCaseRepository, inboxKeyOf } from '../functions/adapters/dynamo-case-repository.js';
import { DynamoCustomerHistory } from '../functions/adapters/dynamo-customer-history.js';
import { DEFAULT_INBOX_STATUSES, InboxCursors } from '../functions/cases/inbox.js';
import { surveyTable } from '../functions/config/resources.js';
import type { CaseStatus, FollowUpCaseRecord } from '../functions/domain/follow-up-case.js';
import { ReplyTokens } from '../functions/domain/reply-token.js';
import { adminTeamOf } from '../functions/domain/teams.js';
import { type InboundMailDeps, receiveMail } from '../functions/inbound/inbound.js';
import { handleWorkspaceRequest, type WorkspaceDeps } from '../functions/workspace/http.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../sandbox/emulators.js';
import { detractorCase } from '../test/fixtures/cases.js';
import { demoCatalog as catalog } from '../test/fixtures/catalog.js';
import { WriteLedger } from './capacity.js';
import { benchTable, ms, scanTable } from './harness.js';
import { mean } from './writes.js';

const { inboxIndex } = surveyTable;
export const CASE_ACTIONS = ['acknowledge', 'assign', 'note', 'reply', 'resolve'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export interface InboxLatency {
  /** Who asks: the admin team (every queue) or one team. */
  readonly who: string;
  readonly partitions: number;
  readonly requests: number;
  readonly handler: { readonly p50: number; readonly p99: number };
  readonly floor: { readonly p50: number; readonly p99: number };
}

export interface WorkspaceFigures {
  readonly cases: number;
  readonly seedSeconds: number;
  readonly latency: InboxLatency[];
  /** Write units per action, mean over the cases acted on: measured + calculated (capacity.ts). */
  readonly actions: Record<CaseAction, { measured: number; calculated: number; total: number }>;
  /** A customer's email reply recorded in the case (the inbound stage, `inbound`), between the team's reply and the resolution. */
  readonly customerReply: { measured: number; calculated: number; total: number };
  readonly actedOn: number;
}

export interface WorkspaceLoad {
  /** Navigation to /inbox until the inbox's first row is visible, ms, each recorded load. */
  readonly loads: number[];
  readonly median: number;
  /** Every script the pages loaded, its bytes and gzip -9 bytes. */
  readonly scripts: { readonly url: string; readonly bytes: number; readonly gzipBytes: number }[];
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};

const STATUSES: readonly CaseStatus[] = ['open', 'open', 'open', 'acknowledged', 'escalated'];

/** A request as API Gateway passes it after its JWT authorizer. */
function request(routeKey: string, groups: readonly string[], extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { authorizer: { jwt: { claims: { sub: 'bench', email: 'agent@example.com', 'cognito:groups': `[${groups.join(' ')}]` }, scopes: null } } },
    ...extra,
  } as unknown as APIGatewayProxyEventV2;
}

function ok(response: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  if (response.statusCode !== 200) throw new Error(`the workspace API answered ${response.statusCode}: ${response.body}`);
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

/**
 * `cases` open cases over the demo catalog's four queues (open, acknowledged, escalated; resolve-by
 * times spread over a week), then the inbox's first page as the admin team and as one team, `requests`
 * of each side per round, `concurrency` agents at a time, after an unrecorded warm-up; then the five
 * actions on `actedOn` cases, their writes counted.
 */
export async function benchWorkspace(cases = 10_000, requests = 300, rounds = 3, concurrency = 4, actedOn = 20): Promise<WorkspaceFigures> {
  const { dynamo, tableName, documents: plain } = await benchTable('closeloop-workspace', true);
  try {
    const ledger = new WriteLedger();
    const documents = DynamoDBDocumentClient.from(
      ledger.attach(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: dynamo.endpoint })),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const repository = new DynamoCaseRepository(tableName, documents);
    const cursors = new InboxCursors('bench-inbox-cursor-secret');
    const deps: WorkspaceDeps = {
      catalog,
      cases: repository,
      inbox: repository,
      cursors: async () => cursors,
      queues: Object.keys(catalog.followUpQueues),
      events: { publish: async () => undefined },
      now: () => new Date(),
      groupsClaim: 'cognito:groups',
      aggregates: new DynamoAggregateStore(tableName, documents),
      customers: new DynamoCustomerHistory(tableName, documents),
    };
    const queues = Object.keys(catalog.followUpQueues);

    // The open cases, written as the rules stage writes them (the repository's item), 32 at a time.
    const seeded = Date.now();
    const base = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < cases) {
          const i = next++;
          const opened = detractorCase(new Date(base - (i % 97) * 60_000), `bench-${i}`);
          const record: FollowUpCaseRecord = {
            ...opened,
            status: STATUSES[i % STATUSES.length] as CaseStatus,
            contactKey: `bench-contact-${i}`,
            message: {
              ...opened.message,
              queue: queues[i % queues.length] as string,
              dueAt: new Date(base + ((i * 7919) % (7 * 24 * 60)) * 60_000).toISOString(),
              customer: { ...opened.message.customer, email: `bench-${i}@example.com` },
            },
          };
          await new DynamoCaseRepository(tableName, plain).open(record);
        }
      }),
    );
    const seedSeconds = (Date.now() - seeded) / 1000;

    // The bare calls of one page: a Query per partition (keys only, up to a page each), merged, then the page's reads.
    const bare = async (partitions: readonly { queue: string; status: CaseStatus }[]) => {
      const heads = await Promise.all(
        partitions.map(({ queue, status }) =>
          plain.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: inboxIndex.name,
              KeyConditionExpression: '#key = :key',
              ExpressionAttributeNames: { '#key': inboxIndex.partitionKey },
              ExpressionAttributeValues: { ':key': inboxKeyOf(queue, status) },
              Limit: 25,
            }),
          ),
        ),
      );
      const page = heads
        .flatMap((head) => head.Items ?? [])
        .sort((a, b) => Number(a[inboxIndex.sortKey]) - Number(b[inboxIndex.sortKey]))
        .slice(0, 25);
      return Promise.all(page.map((item) => plain.send(new GetCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }))));
    };

    const admin = adminTeamOf(catalog);
    const team = Object.keys(catalog.teams ?? {})[1] ?? queues[0]!;
    const teamQueues = catalog.teams?.[team]?.queues ?? [team];
    const latency: InboxLatency[] = [];
    for (const [who, groups, scope] of [
      [`admin team (${admin}): every queue`, [admin], queues],
      [`team ${team}: ${teamQueues.join(', ')}`, [team], teamQueues],
    ] as const) {
      const partitions = scope.flatMap((queue) => DEFAULT_INBOX_STATUSES.map((status) => ({ queue, status })));
      const handlerSamples: number[] = [];
      const floorSamples: number[] = [];
      const event = request('GET /api/cases', groups);
      for (let round = -1; round < rounds; round++) {
        let left = round < 0 ? 50 : requests;
        await Promise.all(
          Array.from({ length: concurrency }, async (_, worker) => {
            // Each agent alternates the two sides, starting with either in turn.
            for (let k = worker; left > 0; k++) {
              left--;
              for (const side of k % 2 ? ['floor', 'handler'] : ['handler', 'floor']) {
                const start = process.hrtime.bigint();
                if (side === 'handler') {
                  const page = ok(await handleWorkspaceRequest(event, deps));
                  if ((page.items as unknown[]).length !== 25) throw new Error(`a page of ${(page.items as unknown[]).length}, not 25`);
                } else await bare(partitions);
                if (round >= 0) (side === 'handler' ? handlerSamples : floorSamples).push(ms(start));
              }
            }
          }),
        );
      }
      latency.push({
        who,
        partitions: partitions.length,
        requests: handlerSamples.length,
        handler: { p50: quantile(handlerSamples, 0.5), p99: quantile(handlerSamples, 0.99) },
        floor: { p50: quantile(floorSamples, 0.5), p99: quantile(floorSamples, 0.99) },
      });
    }

    // The five actions, each on `actedOn` open cases of one queue, as the admin team, counted.
    const { items: listed } = ok(
      await handleWorkspaceRequest(
        request('GET /api/cases', [admin], { queryStringParameters: { queue: queues[0]!, status: 'open', limit: String(actedOn) } }),
        deps,
      ),
    ) as { items: { caseId: string }[] };
    const bodies: Record<CaseAction, Record<string, unknown>> = {
      acknowledge: { note: 'On it.' },
      assign: { assignee: 'agent@example.com' },
      note: { note: 'Called the courier: the parcel was left at the wrong door.' },
      reply: { reply: 'We are sorry about the late parcel; a courier brings it tomorrow morning.' },
      resolve: { rootCause: 'delivery-delay', note: 'Redelivered.' },
    };
    const tokens = new ReplyTokens('bench-reply-token-secret');
    const raw = new TextEncoder().encode(
      'From: Mari <mari@example.com>\r\nSubject: Re: your feedback\r\nMessage-ID: <m@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIt came this morning, thank you.\r\n\r\nOn Mon, 7 Dec 2026, Shop <feedback@example.com> wrote:\r\n> Hello\r\n',
    );
    const inboundDeps: InboundMailDeps = {
      mail: { read: async () => ({ bytes: raw, size: raw.length }), delete: async () => undefined },
      cases: repository,
      tokens,
      domain: 'reply.example.com',
      senderEmail: 'feedback@example.com',
      events: { publish: async () => undefined },
      now: () => new Date(),
    };
    for (const [i, { caseId }] of listed.entries()) {
      let version = 1;
      for (const action of CASE_ACTIONS) {
        if (action === 'resolve') {
          // The customer answers the team's reply by email before the case is resolved.
          const to = tokens.addressFor(caseId, inboundDeps.domain);
          await ledger.as('action', `customer-reply#${i}`, () =>
            receiveMail({ messageId: `m-${i}`, source: 'mari@example.com', recipients: [to] }, `inbound/m-${i}`, inboundDeps),
          );
          version++;
        }
        const page = await ledger.as('action', `${action}#${i}`, async () =>
          ok(
            await handleWorkspaceRequest(
              request(`POST /api/cases/{caseId}/${action}`, [admin], {
                pathParameters: { caseId },
                body: JSON.stringify({ expectedVersion: version, ...bodies[action] }),
              }),
              deps,
            ),
          ),
        );
        version = page.version as number;
      }
    }
    ledger.finalize(await scanTable(plain, tableName));
    const perActor = ledger.perActor('action');
    const meanOf = (prefix: string) => mean([...perActor].filter(([id]) => id.startsWith(`${prefix}#`)).map(([, units]) => units));
    const actions = Object.fromEntries(CASE_ACTIONS.map((action) => [action, meanOf(action)])) as WorkspaceFigures['actions'];
    return { cases, seedSeconds, latency, actions, customerReply: meanOf('customer-reply'), actedOn: listed.length };
  } finally {
    await dynamo.stop();
  }
}

/** Time to interactive in Chromium on a warm sandbox, in a process of its own (the handlers' clients are bound to its sandbox). */
export function benchWorkspaceLoad(loads = 10): WorkspaceLoad {
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./workspace-child.ts', import.meta.url)), String(loads)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as WorkspaceLoad;
}
