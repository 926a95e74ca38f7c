/**
 * `npm run bench:writes`: only the write-unit sections of `npm run bench` (2b, 2c) and the cost model
 * fed with them (4), in about a minute — for changes to what the adapters write. The cost model's
 * other inputs (calls per survey, handler latencies, item sizes) come from `bench/calls.ts` in the
 * full run; here they are the figures of the last recorded run (docs/benchmarks.md), which only the
 * Lambda GB-s line (~$0.00001 per 1,000 surveys) reads.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { benchWrites, writesReport } = await import('./writes.js');
const { costReport } = await import('./cost.js');

import type { CallsResult } from './calls.js';

/** bench/calls.ts as recorded on 2026-11-30: 3 calls per survey, 1 per response. */
const RECORDED_CALLS: CallsResult = {
  perSurvey: { 'DynamoDB.TransactWriteItems': 1, 'SESv2.SendEmail': 1, 'DynamoDB.UpdateItem': 1 },
  perResponse: { 'DynamoDB.UpdateItem': 1 },
  surveys: 1000,
  dispatch: { handler: 0, raw: 0, ratio: 1, latencyMs: 6.7 },
  respond: { handler: 0, raw: 0, ratio: 1, latencyMs: 2.4 },
  itemBytes: { invitation: 900, claim: 300, rest: 120 },
};

const surveys = Number(process.env.BENCH_WRITES_SURVEYS ?? 330);
const started = Date.now();
console.log(
  `2b. DynamoDB write units, counted (${surveys} surveys, each answered; ReturnConsumedCapacity on every write of the real adapters, DynamoDB Local, table with its GSIs)`,
);
const writes = await benchWrites(surveys, 8);
console.log(writesReport(writes));
console.log('4. Cost per 1,000 surveys sent, 15 % answered (us-east-1 list prices), DynamoDB writes as counted in 2b; calls and latencies as last recorded');
console.log(costReport(RECORDED_CALLS, writes));
console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s.`);
