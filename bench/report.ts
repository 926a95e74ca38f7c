/**
 * Report cost vs data volume: the same 90-day report over 10,000 and over 1,000,000 synthetic
 * responses, generated straight into the day buckets (plus a sample of raw items), read from
 * DynamoDB Local. Reports read buckets, so the ratio should stay near 1.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { AGGREGATE_SHARDS, DynamoAggregateStore } from '../functions/adapters/dynamo-aggregate-store.js';
import { toItem } from '../functions/adapters/dynamo-invitation-repository.js';
import { renderHtml } from '../functions/report/html.js';
import { loadReports } from '../functions/report/load.js';
import { renderText } from '../functions/report/text.js';
import { demoCatalog as catalog } from '../test/fixtures/catalog.js';
import { benchTable, median, ms } from './harness.js';

const DAYS = 90;
const PROGRAM = 'order-delivered-nps';
const TO = '2026-11-22';
const dayAt = (i: number) => new Date(Date.parse(`${TO}T00:00:00Z`) - (DAYS * 2 - 1 - i) * 86_400_000).toISOString().slice(0, 10);

/** Counters for `n` responses on a day, with a drifting score mix so the charts have a shape. */
function dayCounters(n: number, day: number): Record<string, number> {
  const pro = Math.round(n * (0.45 - day / 1200));
  const det = Math.round(n * (0.2 + day / 1500));
  const pas = n - pro - det;
  return {
    sent: Math.round(n / 0.15),
    responses: n,
    class_promoter: pro,
    class_passive: pas,
    class_detractor: det,
    score_10: Math.round(pro * 0.6),
    score_9: pro - Math.round(pro * 0.6),
    score_8: Math.round(pas / 2),
    score_7: pas - Math.round(pas / 2),
    score_6: Math.round(det * 0.4),
    score_3: Math.round(det * 0.4),
    score_0: det - 2 * Math.round(det * 0.4),
    scoreSum: pro * 9.6 + pas * 7.5 + det * 3,
    scoreSumSq: pro * 92.4 + pas * 56.5 + det * 15,
    topic_delivery: Math.round(det * 0.5),
    topic_price: Math.round(det * 0.2),
    topic_support: Math.round(det * 0.1),
    casesOpened: det,
    casesResolved: Math.round(det * 0.9),
    acknowledgedInTime: Math.round(det * 0.85),
    resolvedInTime: Math.round(det * 0.7),
    resolveHours_le4: Math.round(det * 0.3),
    resolveHours_le24: Math.round(det * 0.4),
    resolveHours_le72: Math.round(det * 0.2),
    'rootCause_delivery-delay': Math.round(det * 0.5),
    rootCause_pricing: Math.round(det * 0.2),
    'rootCause_support-experience': Math.round(det * 0.1),
    rootCause_other: Math.round(det * 0.1),
  };
}

async function seed(documents: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient, tableName: string, segment: string, responses: number) {
  const perDay = responses / (DAYS * 2);
  const items: Record<string, unknown>[] = [];
  for (let day = 0; day < DAYS * 2; day++) {
    const counters = dayCounters(perDay, day);
    for (let shard = 0; shard < AGGREGATE_SHARDS; shard++) {
      const share = Object.fromEntries(Object.entries(counters).map(([k, v]) => [`c_${k}`, Math.round(v / AGGREGATE_SHARDS)]));
      items.push({ pk: `AGG#${PROGRAM}#${segment}#${shard}`, sk: `DAY#${dayAt(day)}`, type: 'aggregate', ...share });
    }
  }
  // A sample of raw answered invitations next to the buckets (the table is not empty of detail).
  for (let i = 0; i < 200; i++) {
    items.push({
      ...toItem({
        tokenHash: `${segment}-${i}`,
        programId: PROGRAM,
        kind: 'nps',
        eventId: `${segment}-${i}`,
        contactKey: `k${i}`,
        locale: 'en',
        customer: { id: `c${i}`, email: `c${i}@example.com`, segment },
        context: {},
        createdAt: `${TO}T10:00:00Z`,
        expiresAt: 0,
      }),
      score: i % 11,
      respondedAt: `${TO}T11:00:00Z`,
    });
  }
  for (let i = 0; i < items.length; i += 25) {
    await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

export async function benchReport(runs = 25) {
  const { dynamo, documents, tableName } = await benchTable();
  try {
    await seed(documents, tableName, 'bench-10k', 10_000);
    await seed(documents, tableName, 'bench-1m', 1_000_000);
    const store = new DynamoAggregateStore(tableName, documents);
    const request = (segment: string) => ({ period: { from: dayAt(DAYS), to: TO }, granularity: 'week' as const, programIds: [PROGRAM], segments: [segment] });
    const times: Record<string, number[]> = { 'bench-10k': [], 'bench-1m': [] };
    for (let i = 0; i < runs + 2; i++) {
      for (const segment of i % 2 ? ['bench-10k', 'bench-1m'] : ['bench-1m', 'bench-10k']) {
        const start = process.hrtime.bigint();
        await loadReports(store, catalog, request(segment));
        if (i >= 2) times[segment]!.push(ms(start)); // the first two rounds warm up
      }
    }
    const small = median(times['bench-10k']!);
    const large = median(times['bench-1m']!);
    const reports = await loadReports(store, catalog, request('bench-1m'));
    return { small, large, ratio: large / small, runs, sample: renderText(reports), html: renderHtml(reports, new Date(`${TO}T12:00:00Z`)) };
  } finally {
    await dynamo.stop();
  }
}

/** The README's picture of the HTML report, when Debian's Chromium is there. */
export async function screenshotReport(html: string, path = 'docs/report-screenshot.png'): Promise<string> {
  const { existsSync } = await import('node:fs');
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return `(no Chromium at ${executablePath}: screenshot skipped)`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.setContent(html);
    await page.screenshot({ path, fullPage: true });
    return `Wrote ${path}.`;
  } finally {
    await browser.close();
  }
}
