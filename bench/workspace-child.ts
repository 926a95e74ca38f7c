import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCaseRepository } from '../functions/adapters/dynamo-case-repository.js';
import { adminTeamOf } from '../functions/domain/teams.js';
import { DESKTOP_CHROME, launchChromium } from '../test/browser/chromium.js';
import { detractorCase } from '../test/fixtures/cases.js';
import { demoCatalog } from '../test/fixtures/catalog.js';
import { benchSandbox, median } from './harness.js';
import type { WorkspaceLoad } from './workspace.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const loads = Number(process.argv[2] ?? '10');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sandbox = await benchSandbox('workspace', { catalog: demoCatalog });
const browser = await launchChromium({ as: 'person' });
try {
  const { info } = sandbox;
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const cases = new DynamoCaseRepository(info.tables.surveys, documents);
  const queues = Object.keys(demoCatalog.followUpQueues);
  for (let i = 0; i < 200; i++) {
    const opened = detractorCase(new Date(Date.now() - i * 60_000), `bench-tti-${i}`);
    await cases.open({ ...opened, contactKey: `bench-tti-${i}`, message: { ...opened.message, queue: queues[i % queues.length] as string } });
  }
  const admin = info.agents.find((agent) => agent.team === adminTeamOf(demoCatalog)) ?? info.agents[0]!;
  const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scripts = new Map<string, Buffer>();
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script' || !response.ok()) return;
    scripts.set(new URL(response.url()).pathname, await response.body().catch(() => Buffer.alloc(0)));
  });
  // Signs in once, as a person: reads the form, types, clicks.
  await page.goto(`${info.publicBaseUrl}/inbox`);
  await page.getByLabel('Email').waitFor();
  await pause(300);
  await page.getByLabel('Email').click();
  await page.keyboard.type(admin.email, { delay: 15 });
  await page.getByLabel('Password').click();
  await page.keyboard.type(admin.password, { delay: 15 });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tbody tr').first().waitFor({ state: 'visible' });
  const times: number[] = [];
  for (let load = -2; load < loads; load++) {
    await pause(500);
    const start = performance.now();
    await page.goto(`${info.publicBaseUrl}/inbox`);
    await page.locator('tbody tr').first().waitFor({ state: 'visible' });
    if (load >= 0) times.push(performance.now() - start);
  }
  const result: WorkspaceLoad = {
    loads: times,
    median: median(times),
    scripts: [...scripts].map(([url, body]) => ({ url, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length })),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await browser.close();
  await sandbox.stop();
}
