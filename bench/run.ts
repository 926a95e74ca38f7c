/**
 * `npm run bench`: every figure is a ratio measured side by side in one run; absolute times on a
 * shared machine are noise. Bounded in time (a few minutes). Results: docs/benchmarks.md.
 */
import os from 'node:os';

// The SDK's notice that its 2027 releases need Node.js ≥ 22 applies only without tools/node24.
if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Imported only now, so the SDK sees the settings above.
const { benchReport, screenshotReport } = await import('./report.js');
const { benchBundles } = await import('./bundles.js');
const { benchSdk, sdkReport } = await import('./sdk.js');
const { benchCalls } = await import('./calls.js');
const { costReport } = await import('./cost.js');
type BurstResult = import('./burst.js').BurstResult;
const { table } = await import('./harness.js');
const { benchWrites, writesReport } = await import('./writes.js');
const { benchLatency } = await import('./latency.js');
const { benchWorkspace, benchWorkspaceLoad, CASE_ACTIONS } = await import('./workspace.js');
const { execFileSync } = await import('node:child_process');
const { fileURLToPath } = await import('node:url');
type WebhookLatency = import('./webhooks.js').WebhookLatency;

/**
 * Size knob: BENCH_SIZE=full takes 25 cold imports per side, 7 SDK cold starts per variant and three
 * bursts (about 15 minutes here); the default takes 15, 5 and one, to stay within ten minutes.
 */
const full = process.env.BENCH_SIZE === 'full';
const BURST_RUNS = Number(process.env.BENCH_BURST_RUNS ?? (full ? 3 : 1));
/** A burst takes 100–145 s: one is not started after this many seconds of the run. */
const BURST_START_BUDGET_S = Number(process.env.BENCH_BUDGET_S ?? 600) - 150;

const started = Date.now();
const goal = (met: boolean) => (met ? 'met' : 'NOT met');
/** Seconds since the run started, for the section headings: the ten-minute bound, section by section. */
const at = () => `[${Math.round((Date.now() - started) / 1000)} s]`;
console.log(
  `Closeloop benchmarks — ${new Date().toISOString().slice(0, 10)} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
);

console.log(
  `1. Lambda bundles (esbuild, minified, AWS SDK external) and cold import vs the same SDK packages (median of ${full ? 25 : 15} fresh processes each)`,
);
const bundles = await benchBundles(full ? 25 : 15);
console.log(
  table([
    ['function', 'bundle (KiB)', 'import (ms)', 'floor: SDK imported (ms)', 'ratio', 'floor: + clients created (ms)', 'ratio'],
    ...bundles.map((b) => [
      b.stage,
      (b.bytes / 1024).toFixed(1),
      b.importMs.toFixed(1),
      b.floorMs.toFixed(1),
      b.ratio.toFixed(2),
      b.clientsFloorMs.toFixed(1),
      b.clientsRatio.toFixed(2),
    ]),
  ]),
);
console.log(
  `goal ≤ 150 KiB each: ${goal(bundles.every((b) => b.bytes <= 150 * 1024))}; goal import ≤ 1.2×: vs SDK imported ${goal(bundles.every((b) => b.ratio <= 1.2))}, ` +
    `vs SDK imported and clients created ${goal(bundles.every((b) => b.clientsRatio <= 1.2))}\n`,
);

console.log(
  "1b. Which AWS SDK: (a) external (the runtime's) vs (b) the used clients bundled, tree-shaken, minified (shipped); bundle size, cold import and first invocation against the emulators on Lambda's Node.js (median of 5 fresh processes each, 7 with BENCH_SIZE=full, alternated)",
);
const sdk = await benchSdk(full ? 7 : 5);
console.log(`on Node ${sdk.node}`);
console.log(`${sdkReport(sdk.results)}\n`);

console.log('2–3. AWS calls (SDK middleware, 1,000 events) and throughput vs the bare SDK calls (concurrency 8, medians of 3 interleaved rounds)', at());
const calls = await benchCalls(1000, 8);
console.log(
  `calls per survey sent: ${JSON.stringify(calls.perSurvey)} → ${Object.values(calls.perSurvey).reduce((a, b) => a + b, 0)} (goal 3: reserve, send, mark sent; plus the cancellation read, one BatchGetItem per batch in the handler: here 8 workers run one survey each, so up to one per survey)`,
);
console.log(`calls per response:    ${JSON.stringify(calls.perResponse)} → ${Object.values(calls.perResponse).reduce((a, b) => a + b, 0)} (goal 1)`);
console.log('(plus, in the dispatch handler, one EventBridge PutEvents per batch of up to 10 surveys)');
console.log(
  table([
    ['path', 'handler (per s)', 'raw SDK (per s)', 'ratio'],
    ['dispatch (DynamoDB Local + SES local)', calls.dispatch.handler.toFixed(0), calls.dispatch.raw.toFixed(0), calls.dispatch.ratio.toFixed(2)],
    ['response (DynamoDB Local)', calls.respond.handler.toFixed(0), calls.respond.raw.toFixed(0), calls.respond.ratio.toFixed(2)],
  ]),
);
console.log(`goal ≥ 0.8: ${goal(calls.dispatch.ratio >= 0.8 && calls.respond.ratio >= 0.8)}\n`);

console.log('2b. DynamoDB write units, counted (ReturnConsumedCapacity on every write of the real adapters, DynamoDB Local, table with its GSIs)', at());
const writes = await benchWrites(330, 8);
console.log(writesReport(writes));
console.log('3b. Rating page latency vs the floor (the bare consistent GetItem / conditional UpdateItem, same items, same run, interleaved)', at());
const latency = await benchLatency([50, 200], 600, 3);
const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
console.log(
  table([
    ['respondents', 'GET p50 (floor) ms', 'GET p99 (floor) ms', 'GET p50 / p99 ratio', 'POST p50 (floor) ms', 'POST p99 (floor) ms', 'POST p50 / p99 ratio'],
    ...latency.map((l) => [
      l.concurrency,
      `${l.get.p50.toFixed(1)} (${l.get.floorP50.toFixed(1)})`,
      `${l.get.p99.toFixed(1)} (${l.get.floorP99.toFixed(1)})`,
      `${x(l.get.p50, l.get.floorP50)} / ${x(l.get.p99, l.get.floorP99)}`,
      `${l.post.p50.toFixed(1)} (${l.post.floorP50.toFixed(1)})`,
      `${l.post.p99.toFixed(1)} (${l.post.floorP99.toFixed(1)})`,
      `${x(l.post.p50, l.post.floorP50)} / ${x(l.post.p99, l.post.floorP99)}`,
    ]),
  ]),
);
console.log(`goal p99 ≤ 1.3× the floor: ${goal(latency.every((l) => l.get.p99 <= 1.3 * l.get.floorP99 && l.post.p99 <= 1.3 * l.post.floorP99))}\n`);

console.log(
  "3c. The workspace (issue 26): GET /api/cases, a page of 25, at 10,000 open cases, vs the bare calls it makes (a Query per inbox partition, merged, then the page's consistent GetItems), 4 agents, each alternating the two; write units per case action (ConsumedCapacity, table with its GSIs); time to interactive in Chromium",
  at(),
);
const workspace = await benchWorkspace(10_000, full ? 500 : 200, 3, 4, 20);
console.log(`${workspace.cases.toLocaleString('en')} open cases written in ${workspace.seedSeconds.toFixed(1)} s`);
console.log(
  table([
    ['who', 'partitions', 'requests', 'p50 (floor) ms', 'p99 (floor) ms', 'p50 / p99 ratio'],
    ...workspace.latency.map((l) => [
      l.who,
      l.partitions,
      l.requests,
      `${l.handler.p50.toFixed(1)} (${l.floor.p50.toFixed(1)})`,
      `${l.handler.p99.toFixed(1)} (${l.floor.p99.toFixed(1)})`,
      `${x(l.handler.p50, l.floor.p50)} / ${x(l.handler.p99, l.floor.p99)}`,
    ]),
  ]),
);
console.log(
  `goal p50 and p99 ≤ 1.3× the bare calls: ${goal(workspace.latency.every((l) => l.handler.p50 <= 1.3 * l.floor.p50 && l.handler.p99 <= 1.3 * l.floor.p99))}`,
);
console.log(
  table([
    ['case action (workspace API)', 'WRU'],
    ...CASE_ACTIONS.map((action) => {
      const u = workspace.actions[action];
      return [
        action,
        `${u.total.toFixed(1)} (${u.measured.toFixed(1)} measured + ${u.calculated.toFixed(1)} calculated)${action === 'reply' ? `; its email: one notification, ${writes.perNotification.total.toFixed(1)} (2b)` : ''}`,
      ];
    }),
    [
      "the customer's email reply (inbound stage)",
      `${workspace.customerReply.total.toFixed(1)} (${workspace.customerReply.measured.toFixed(1)} measured + ${workspace.customerReply.calculated.toFixed(1)} calculated)`,
    ],
  ]),
);
console.log(`(mean over ${workspace.actedOn} cases, each acknowledged, assigned, noted, replied to, answered by the customer by email and resolved in turn)`);
const load = benchWorkspaceLoad(10);
const scriptsGzip = load.scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
console.log(
  `time to interactive (navigation to /inbox until its first row is visible, the provider's session signing in again): median ${load.median.toFixed(0)} ms of ${load.loads.length} loads on a warm sandbox ` +
    `(${load.loads.map((t) => t.toFixed(0)).join(', ')}); goal ≤ 1,000 ms: ${goal(load.median <= 1000)}`,
);
console.log(
  `JavaScript the pages load: ${load.scripts.map((s) => `${s.url} ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzipBytes / 1024).toFixed(1)} KiB gzip -9`).join('; ')}; ` +
    `in all ${(scriptsGzip / 1024).toFixed(1)} KiB gzip -9; goal ≤ 150 KB: ${goal(scriptsGzip <= 150 * 1000)}\n`,
);

console.log('4. Cost per 1,000 surveys sent, 15 % answered (us-east-1 list prices), DynamoDB writes as counted in 2b', at());
console.log(costReport(calls, writes));
console.log('');

console.log('Report cost vs data volume (90-day report, weekly series, DynamoDB Local)');
const report = await benchReport();
console.log(
  table([
    ['responses in the aggregates', 'median report time (ms)', 'ratio to 10k'],
    ['10,000', report.small.toFixed(1), '1.00'],
    ['1,000,000', report.large.toFixed(1), report.ratio.toFixed(2)],
  ]),
);
console.log(`goal ≤ 1.10: ${goal(report.ratio <= 1.1)} (${report.runs} interleaved runs each)\n`);
console.log('Sample (1,000,000 responses):\n');
console.log(report.sample);
console.log(await screenshotReport(report.html));

console.log('');

console.log(
  '4b. Answer → integration: 40 detractors answer through the rating page (8 at a time), one webhook and one Slack integration on FollowUpOpened',
  at(),
);
// In a process of its own: the handlers' clients are bound to the first sandbox of a process (./webhooks-child.ts).
const webhooks = JSON.parse(
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./webhooks-child.ts', import.meta.url)), '40', '8'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1) as string,
) as WebhookLatency;
console.log(
  table([
    ['integration', 'delivered', 'p50 s', 'p95 s'],
    [
      'webhook (Standard Webhooks, signed)',
      `${webhooks.webhook.delivered} / ${webhooks.answers}`,
      webhooks.webhook.p50.toFixed(2),
      webhooks.webhook.p95.toFixed(2),
    ],
    ['Slack (Block Kit)', `${webhooks.slack.delivered} / ${webhooks.answers}`, webhooks.slack.p50.toFixed(2), webhooks.slack.p95.toFixed(2)],
  ]),
);
console.log(
  `POSTs answered 503 and retried after a second: ${webhooks.retried503}; every answer delivered to both: ${goal(webhooks.webhook.delivered === webhooks.answers && webhooks.slack.delivered === webhooks.answers)} (the sandbox's stream pollers wait up to 250 ms after an empty read)\n`,
);

console.log(`5. Burst: 5,000 events at once on the sandbox, SES send rate emulated at 50/s, ${BURST_RUNS} runs`, at());
const bursts: BurstResult[] = [];
for (let run = 0; run < BURST_RUNS; run++) {
  if ((Date.now() - started) / 1000 > BURST_START_BUDGET_S) {
    console.log(`run ${run + 1} not started: the ten-minute budget would be exceeded (BENCH_BUDGET_S)`);
    break;
  }
  // In a process of its own (./burst-child.ts), as section 4b.
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./burst-child.ts', import.meta.url)), '5000', '50'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  bursts.push(JSON.parse(output.trim().split('\n').at(-1) as string) as BurstResult);
}
console.log(
  table([
    ['run', 'events', 'emails sent', 'sent twice', 'dead-lettered', 'throttled SES calls (retried)', 'seconds', 'achieved rate', 'share of 50/s'],
    ...bursts.map((burst, i) => [
      i + 1,
      burst.events,
      burst.sent,
      burst.duplicates,
      burst.deadLettered,
      burst.throttledCalls,
      burst.seconds.toFixed(1),
      burst.achievedRate.toFixed(1),
      (burst.achievedRate / burst.allowedRate).toFixed(2),
    ]),
  ]),
);
for (const [i, burst] of bursts.entries()) {
  const counts = Array.from(burst.perSecond ?? [], (n) => n ?? 0);
  const firstFull = counts.findIndex((n) => n >= 0.9 * burst.allowedRate);
  console.log(
    `run ${i + 1}, emails per second: first 20 s ${counts.slice(0, 20).join(' ')}; from second ${firstFull} on, ${counts.slice(firstFull, -1).filter((n) => n < 0.9 * burst.allowedRate).length} of ${Math.max(0, counts.length - 1 - firstFull)} seconds below 0.9 × ${burst.allowedRate}/s (the last second is partial)`,
  );
}
console.log(
  `all sent, none twice, nothing dead-lettered: ${bursts.length ? goal(bursts.every((b) => b.sent === b.events && b.duplicates === 0 && b.deadLettered === 0)) : 'not measured (no burst ran)'}`,
);
console.log(
  `share of the allowed rate ≥ 0.9 in every run: ${goal(bursts.length === BURST_RUNS && bursts.every((b) => b.achievedRate / b.allowedRate >= 0.9))}`,
);
console.log(
  '\nProfile of each burst (bench/profile.ts): the seconds below 0.9 × 50/s ("slow") against the others, and where the sandbox process spent its CPU',
);
console.log(
  table([
    [
      'run',
      'slow s / all s',
      'sandbox CPU (% of a core) slow | other',
      "DynamoDB Local's JVM slow | other",
      'machine CPU (% of all cores) slow | other',
      'event-loop p99 ms slow | other',
    ],
    ...bursts.map((burst, i) => {
      const p = burst.profile;
      if (!p) return [i + 1, 'not profiled', '', '', '', ''];
      const pair = (a: number, b: number, digits = 0) => `${a.toFixed(digits)} | ${b.toFixed(digits)}`;
      return [
        i + 1,
        `${p.slowWindows} / ${p.windows}`,
        pair(p.slow.nodeCpu, p.steady.nodeCpu),
        pair(p.slow.jvmCpu, p.steady.jvmCpu),
        pair(p.slow.machineCpu, p.steady.machineCpu),
        pair(p.slow.loopP99Ms, p.steady.loopP99Ms, 1),
      ];
    }),
  ]),
);
for (const [i, burst] of bursts.entries()) {
  if (!burst.profile) continue;
  const where = burst.profile.where
    .filter((w) => w.share >= 0.01)
    .map((w) => `${w.part} ${(100 * w.share).toFixed(0)} %`)
    .join(', ');
  console.log(`run ${i + 1}: ${burst.profile.verdict}. Sandbox CPU samples: ${where}.`);
}

console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s.`);
