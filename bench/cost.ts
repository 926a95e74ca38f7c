/**
 * Cost per 1,000 surveys sent (and answered at a response rate), at us-east-1 list prices, from
 * the measured calls and durations, as a multiple of the SES-only floor ($0.10 per 1,000 emails).
 */
import type { CallsResult } from './calls.js';
import { table } from './harness.js';
import { perResponseAt, type WritesResult } from './writes.js';

/** us-east-1 list prices (on-demand, no free tier), as published in November 2026. */
export const PRICES = {
  sesPerEmail: 0.1 / 1000,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  sqsPerRequest: 0.4 / 1e6,
  eventBridgePerEvent: 1.0 / 1e6,
  httpApiPerRequest: 1.0 / 1e6,
  logsPerGb: 0.5,
  xrayPerTrace: 5.0 / 1e6,
  kmsPerRequest: 0.03 / 10_000,
} as const;

const MEMORY_GB = 0.25;
/** An SQS batch of 10 is processed concurrently; its duration is about 1.5 × one record's. */
const DISPATCH_BATCH = 10;
const STREAM_BATCH = 100;
/** Share of emails that bounce or draw a complaint (SES reviews an account above 5 % bounces). */
const FEEDBACK_RATE = 0.02;

export interface CostLine {
  readonly item: string;
  readonly perThousand: number;
  readonly basis: string;
}

/** Share of responses that open a follow-up case (the demo catalog's rules; the model's assumption). */
export const CASE_SHARE = 0.3;

export function costModel(
  calls: CallsResult,
  responseRate = 0.15,
  /** Write units counted by the consumed-capacity middleware (writes.ts); without them, the earlier estimate. */
  writes?: WritesResult,
): { lines: CostLine[]; total: number; floor: number; ratio: number; optional: CostLine[]; features: FeatureCost[] } {
  const r = responseRate;
  const gbs = (ms: number) => (ms / 1000) * MEMORY_GB;
  // Write units: 1 per started KB, doubled in a transaction. Sizes as measured.
  const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  const { invitation, claim, rest } = calls.itemBytes;
  // claim + invitation (its size before the answer is smaller; the answered size is an upper bound) + rest + 2 condition checks,
  // + 1 for the invitation's entry in the keys-only contact index (erasure); an answer does not change the index key.
  // + the "sent" mark after SES accepted the email: one UpdateItem on the claim per survey (as measured).
  const sentMarkWru = (calls.perSurvey['DynamoDB.UpdateItem'] ?? 0) * kb(claim);
  const surveyWru = 2 * (kb(claim) + kb(invitation) + kb(rest) + 1 + 1) + 1 + sentMarkWru;
  // the measure stage: marker + the total bucket (one more bucket when the customer has a segment)
  const measureWru = 2 * 2;
  // A case (for ~30 % of responses): its put and the erasure check in one transaction, its index entry, the notified mark.
  const caseWru = 0.3 * (2 * (2 + 1) + 1 + 2);
  const estimatedResponseWru = (calls.perResponse['DynamoDB.UpdateItem'] ?? 1) * kb(invitation) + 1 /* rest extension */ + measureWru + caseWru;
  // Counted: dispatch, the sent mark and the measure stage's counters per survey; per response the answer, follow-up and measure stages.
  const perSurveyWru = writes ? writes.perSurvey.total : surveyWru + measureWru;
  const responseWru = writes ? perResponseAt(writes, CASE_SHARE) : estimatedResponseWru;
  const lines: CostLine[] = [
    {
      item: 'SES',
      perThousand: 1000 * PRICES.sesPerEmail * (calls.perSurvey['SESv2.SendEmail'] ?? 1),
      basis: `${calls.perSurvey['SESv2.SendEmail']} SendEmail per survey`,
    },
    {
      item: 'DynamoDB writes',
      perThousand: 1000 * PRICES.dynamoPerWriteUnit * (perSurveyWru + r * responseWru),
      basis: writes
        ? `counted: ${perSurveyWru.toFixed(1)} WRU per survey, ${responseWru.toFixed(1)} per response (${CASE_SHARE * 100} % opening a case)`
        : `${perSurveyWru} WRU per survey (contact index and sent mark included), ${responseWru.toFixed(1)} per response (cases included; invitation ${invitation} B)`,
    },
    {
      item: 'DynamoDB reads',
      perThousand: 1000 * PRICES.dynamoPerReadUnit * (1 + r * 2 * 2),
      basis: "the cancellation's consistent read per survey of a cancellable program (batched); a consistent GetItem per page view, ~2 views per response",
    },
    {
      item: 'Lambda requests',
      perThousand: 1000 * PRICES.lambdaPerRequest * (1 / DISPATCH_BATCH + 1 / STREAM_BATCH + r * (2 + 2 / STREAM_BATCH)),
      basis: 'dispatch per 10, measure per 100, 2 page requests per response',
    },
    {
      item: 'Lambda GB-s (arm64, 256 MB)',
      perThousand: 1000 * PRICES.lambdaArmPerGbSecond * (gbs(calls.dispatch.latencyMs * 1.5) / DISPATCH_BATCH + r * 2 * gbs(calls.respond.latencyMs)),
      basis: `measured: ${calls.dispatch.latencyMs.toFixed(1)} ms per survey, ${calls.respond.latencyMs.toFixed(1)} ms per response`,
    },
    {
      item: 'SQS',
      perThousand: 1000 * PRICES.sqsPerRequest * (1 + 2 / DISPATCH_BATCH + r * 0.3),
      basis: 'send by EventBridge, receive + delete per batch; cases for ~30 % of responses',
    },
    {
      item: 'EventBridge',
      perThousand: 1000 * PRICES.eventBridgePerEvent * (1 + r * 1.3),
      basis: 'the business event; SurveyResponded and some FollowUpOpened (SurveySent and SurveySkipped are opt-in: events.publish)',
    },
    { item: 'API Gateway (HTTP API)', perThousand: 1000 * PRICES.httpApiPerRequest * r * 2, basis: 'GET and POST per response' },
    {
      item: 'Deliverability feedback',
      perThousand: 1000 * FEEDBACK_RATE * (PRICES.sqsPerRequest * 3 + PRICES.lambdaPerRequest + PRICES.dynamoPerWriteUnit * (1 + 2 * 2)),
      basis: `bounces and complaints on ${FEEDBACK_RATE * 100} % of emails: SES's events to the default bus are free; queue, function, suppression and counters`,
    },
    { item: 'CloudWatch Logs', perThousand: 1000 * PRICES.logsPerGb * ((700 + r * 1000) / 1e9), basis: '~700 B of logs per survey, ~1 KB per response' },
  ];
  const total = lines.reduce((sum, l) => sum + l.perThousand, 0);
  const floor = 1000 * PRICES.sesPerEmail;
  const optional: CostLine[] = [
    {
      item: 'X-Ray tracing (closeloop:tracing, off by default)',
      perThousand: 1000 * PRICES.xrayPerTrace * (1 / DISPATCH_BATCH + r * 2),
      basis: 'one trace per invocation, no sampling',
    },
    {
      item: 'SurveySent on the bus (events.publish)',
      perThousand: 1000 * PRICES.eventBridgePerEvent,
      basis: 'one event per survey; SurveySkipped adds one per skipped survey',
    },
    {
      item: 'customer-managed KMS keys',
      perThousand: 1000 * PRICES.kmsPerRequest * 0.05,
      basis: 'data keys cached by SQS and DynamoDB: ~1 request per 20 surveys, plus $1 per key-month',
    },
    {
      item: 'a secret (Secrets Manager + Powertools Parameters cache)',
      perThousand: 1000 * (0.05 / 10_000) * (1 / 500),
      basis: 'one GetSecretValue per cold start (~1 per 500 surveys), plus $0.40 per secret-month',
    },
  ];
  return { lines, total, floor, ratio: total / floor, optional, features: featureCosts(r, writes) };
}

/** Share of responses from detractors (NPS 0–6), who get an acknowledgement when it is on (the model's assumption, as CASE_SHARE). */
export const DETRACTOR_SHARE = 0.3;
/** Integration events per survey an integration subscribed to SurveyResponded and FollowUpOpened receives. */
const INTEGRATION_EVENTS = (r: number) => r * (1 + CASE_SHARE);

export interface FeatureCost {
  readonly feature: string;
  readonly lines: CostLine[];
  /** What the feature adds per 1,000 surveys, beyond the SES price of any extra emails. */
  readonly beyondSes: number;
  /** The SES price of the extra emails it sends. */
  readonly ses: number;
  readonly goal?: { readonly ratioOfFloor: number; readonly text: string };
}

/**
 * Opt-in features on top of the model: (a) acknowledgements for detractors (issue 15), (b) one
 * webhook and one Slack integration (issue 14). Each line is what the feature adds per 1,000 surveys.
 */
export function featureCosts(responseRate: number, writes?: WritesResult): FeatureCost[] {
  const r = responseRate;
  const acks = r * DETRACTOR_SHARE; // per survey
  const perNotificationWru = writes ? writes.perNotification.total : 9;
  const notifyMs = 50;
  const acknowledgements: CostLine[] = [
    {
      item: 'SES (the acknowledgements)',
      perThousand: 1000 * acks * PRICES.sesPerEmail,
      basis: `${(acks * 1000).toFixed(0)} emails: ${DETRACTOR_SHARE * 100} % of responses`,
    },
    {
      item: 'DynamoDB writes (notify)',
      perThousand: 1000 * acks * perNotificationWru * PRICES.dynamoPerWriteUnit,
      basis: `${perNotificationWru.toFixed(1)} WRU per notification${writes ? ' (counted in 2b)' : ''}: claim transaction, unsubscribe link, sent mark`,
    },
    {
      item: 'Lambda (notify)',
      perThousand: 1000 * acks * (PRICES.lambdaPerRequest + PRICES.lambdaArmPerGbSecond * (notifyMs / 1000) * MEMORY_GB),
      basis: `one invocation per notification (batches of up to 10 make it fewer), ~${notifyMs} ms at 256 MB`,
    },
    {
      item: 'DynamoDB Streams reads',
      perThousand: 1000 * acks * (0.02 / 100_000),
      basis: "the outbox item's INSERT: free when a Lambda trigger reads it (AWS pricing); counted at $0.02 per 100,000 as an upper bound",
    },
  ];
  const delivery = (name: string): CostLine[] => [
    {
      item: `SQS (${name})`,
      perThousand: 1000 * INTEGRATION_EVENTS(r) * PRICES.sqsPerRequest * 3,
      basis: 'EventBridge sends, deliver receives and deletes: 3 requests per event (fewer when batched)',
    },
    {
      item: `Lambda (${name} deliver)`,
      perThousand: 1000 * INTEGRATION_EVENTS(r) * (PRICES.lambdaPerRequest + PRICES.lambdaArmPerGbSecond * 0.2 * MEMORY_GB),
      basis: 'one invocation per event, ~200 ms waiting on the endpoint at 256 MB',
    },
    {
      item: `DynamoDB writes (${name} delivery log)`,
      perThousand: 1000 * INTEGRATION_EVENTS(r) * PRICES.dynamoPerWriteUnit,
      basis: 'one UpdateItem per delivery (< 1 KB), deleted by TTL (free)',
    },
    { item: `EventBridge (${name} rule match)`, perThousand: 0, basis: 'a rule matching an event already on the bus to an SQS target is not billed' },
  ];
  const sum = (lines: CostLine[]) => lines.reduce((total, l) => total + l.perThousand, 0);
  const acksSes = acknowledgements[0]!.perThousand;
  const integrationLines = [...delivery('webhook'), ...delivery('Slack')];
  return [
    {
      feature: `(a) acknowledgements on for detractors (issue 15; ${DETRACTOR_SHARE * 100} % of responses)`,
      lines: acknowledgements,
      beyondSes: sum(acknowledgements) - acksSes,
      ses: acksSes,
      goal: { ratioOfFloor: 0.005, text: '≤ +0.005× the floor beyond the extra emails' },
    },
    {
      feature: `(b) one webhook and one Slack integration (issue 14; both on SurveyResponded and FollowUpOpened: ${INTEGRATION_EVENTS(r).toFixed(3)} events per survey each)`,
      lines: integrationLines,
      beyondSes: sum(integrationLines),
      ses: 0,
    },
  ];
}

const usd = (n: number) => `$${n.toFixed(5)}`;

/** Section 4 of `npm run bench`: the cost model's lines, total and ratio to the SES floor, and the optional features. */
export function costReport(calls: CallsResult, writes?: WritesResult): string {
  const cost = costModel(calls, 0.15, writes);
  return [
    table([
      ['item', 'per 1,000 surveys', 'basis'],
      ...cost.lines.map((l) => [l.item, usd(l.perThousand), l.basis]),
      ['total', usd(cost.total), `${cost.ratio.toFixed(3)} × the SES-only floor (${usd(cost.floor)})`],
    ]),
    `${cost.ratio.toFixed(3)}× the SES floor; goal ≤ 1.10×: ${cost.ratio <= 1.1 ? 'met' : 'NOT met'}`,
    table([['optional feature', 'adds per 1,000 surveys', 'basis'], ...cost.optional.map((l) => [l.item, usd(l.perThousand), l.basis])]),
    ...cost.features.flatMap((f) => {
      const added = f.beyondSes / cost.floor;
      return [
        `\n${f.feature}`,
        table([['item', 'adds per 1,000 surveys', 'basis'], ...f.lines.map((l) => [l.item, usd(l.perThousand), l.basis])]),
        `adds ${usd(f.beyondSes + f.ses)} per 1,000 surveys${f.ses ? ` (${usd(f.ses)} of it the extra emails' SES price)` : ''}: ` +
          `+${added.toFixed(4)}× the floor beyond SES, ${((cost.total + f.beyondSes + f.ses) / cost.floor).toFixed(3)}× the floor in all` +
          (f.goal ? `; goal ${f.goal.text}: ${added <= f.goal.ratioOfFloor ? 'met' : 'NOT met'}` : ''),
      ];
    }),
  ].join('\n');
}
