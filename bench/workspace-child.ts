/**
 * Time to interactive of the workspace, in a process of its own (the handlers' SDK clients are bound
 * to the first sandbox of a process): a sandbox with 200 open cases, a person in headless Chromium
 * signs in once through the provider's form, then loads /inbox `loads` times after two unrecorded
 * loads (a warm sandbox). Each load is timed from the navigation's start to the inbox's first row
 * visible: the provider's round trip (its session signs the person in again: tokens live in memory
 * only), the code exchanged for tokens, config and API calls, the rows drawn. Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCaseRepository } from '../functions/adapters/dynamo-case-repository.js';
import { adminTeamOf } from '../functions/domain/teams.js';
import { DEFAULT_PORTS, startSandbox } from '../sandbox/sandbox.js';
import { DESKTOP_CHROME, launchChromium } from '../test/browser/chromium.js';
import { detractorCase } from '../test/fixtures/cases.js';
import { demoCatalog } from '../test/fixtures/catalog.js';
import { median } from './harness.js';
import type { WorkspaceLoad } from './workspace.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const loads = Number(process.argv[2] ?? '10');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-bench-workspace-'));
const sandbox = await startSandbox({
  catalog: demoCatalog,
  ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
  stateDir,
  logLevel: 'SILENT',
  log: () => undefined,
});
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
  rmSync(stateDir, { recursive: true, force: true });
}
