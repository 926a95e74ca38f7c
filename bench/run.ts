/**
 * `npm run bench`: every figure is a ratio measured side by side in one run; absolute times on a
 * shared machine are noise. Bounded in time (a few minutes). Results: docs/benchmarks.md.
 */
import os from 'node:os';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Imported only now, so the SDK sees the setting above.
const { benchReport, screenshotReport } = await import('./report.js');
const { table } = await import('./harness.js');

const started = Date.now();
console.log(`Closeloop benchmarks — ${new Date().toISOString().slice(0, 10)} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);

const report = await benchReport();
console.log('Report cost vs data volume (90-day report, weekly series, DynamoDB Local)');
console.log(table([
  ['responses in the aggregates', 'median report time (ms)', 'ratio to 10k'],
  ['10,000', report.small.toFixed(1), '1.00'],
  ['1,000,000', report.large.toFixed(1), report.ratio.toFixed(2)],
]));
console.log(`goal ≤ 1.10: ${report.ratio <= 1.1 ? 'met' : 'NOT met'} (${report.runs} interleaved runs each)\n`);
console.log('Sample (1,000,000 responses):\n');
console.log(report.sample);
console.log(await screenshotReport(report.html));

console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s.`);
