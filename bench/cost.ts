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
): { lines: CostLine[]; total: number; floor: number; ratio: number; optional: CostLine[] } {
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
    { item: 'DynamoDB reads', perThousand: 1000 * PRICES.dynamoPerReadUnit * r * 2 * 2, basis: 'a consistent GetItem per page view, ~2 views per response' },
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
      perThousand: 1000 * PRICES.eventBridgePerEvent * (2 + r * 1.3),
      basis: 'the business event and SurveySent; SurveyResponded and some FollowUpOpened',
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
  return { lines, total, floor, ratio: total / floor, optional };
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
  ].join('\n');
}
