/// <reference lib="dom" />
/**
 * The workspace as a support agent uses it, in headless Chromium on the sandbox: signs in through the
 * OpenID provider's real login form, works a detractor's case from the inbox to resolved; another team's
 * agent cannot see or open it; axe-core finds nothing serious on the inbox and the case page, on a
 * phone and a desktop; nothing is requested from anywhere but the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { loadReports, periodOf } from '../../functions/report/load.js';
import { detractorCase } from '../fixtures/cases.js';
import { demoCatalog } from '../fixtures/catalog.js';
import { sandbox, seedSegment, waitForEmails } from '../integration/sandbox-clients.js';
import { axeFindings } from './axe.js';
import { DESKTOP_CHROME, launchChromium } from './chromium.js';

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);
const agentOf = (team: string) => sandbox.agents.find((agent) => agent.team === team)!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A person at the provider's login form: reads, types their address and password, clicks. */
async function signIn(page: Page, team: string) {
  const agent = agentOf(team);
  await page.getByLabel('Email').waitFor();
  await pause(300);
  await page.getByLabel('Email').click();
  await page.keyboard.type(agent.email, { delay: 15 });
  await page.getByLabel('Password').click();
  await page.keyboard.type(agent.password, { delay: 15 });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${agent.email}`).waitFor();
}

describe('the workspace in headless Chromium', () => {
  let browser: Browser;
  let caseId: string;
  const requests: string[] = [];

  const customer = `workspace-${randomUUID().slice(0, 8)}@example.com`;

  beforeAll(async () => {
    const opened = detractorCase(new Date(), `browser-${randomUUID()}`);
    // The customer of this case alone, so that their inbox shows what the workspace sent them.
    const record = {
      ...opened,
      contactKey: `browser-${randomUUID()}`,
      message: { ...opened.message, customer: { ...opened.message.customer, email: customer } },
      // The customer already wrote back by email (inbound): the case page shows it.
      history: [
        ...opened.history,
        {
          at: new Date().toISOString(),
          actor: 'customer',
          action: 'customer-replied' as const,
          from: customer,
          text: 'Still no parcel this morning.',
          messageId: 'browser-reply',
          dropped: ['1 attachment dropped'],
        },
      ],
    };
    await new DynamoCaseRepository(sandbox.tables.surveys, documents).open(record);
    caseId = record.message.caseId;
    browser = await launchChromium({ as: 'person' });
  });
  afterAll(() => browser?.close());

  it('a support agent signs in through the provider’s form and works the case: acknowledges, assigns to self, notes, replies to the customer (who gets the reply, not the note), resolves', async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${sandbox.publicBaseUrl}/inbox`);
    await page.waitForURL((url) => url.origin === sandbox.endpoints.oidc);
    await signIn(page, 'customer-success');
    expect(new URL(page.url()).pathname).toBe('/inbox');
    expect(new URL(page.url()).search).toBe('');
    await page.getByRole('link', { name: caseId.slice(0, 8) }).waitFor();
    expect(await axeFindings(page)).toEqual([]);

    await page.getByRole('link', { name: caseId.slice(0, 8) }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`Case ${caseId.slice(0, 8)}`) }).waitFor();
    await page.getByText(`Customer replied (${customer})`).waitFor();
    await page.getByText('Still no parcel this morning.').waitFor();
    await page.getByText('Left out: 1 attachment dropped.').waitFor();
    expect(await axeFindings(page)).toEqual([]);
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('heading', { level: 1, name: /acknowledged/ }).waitFor();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText(`assigned to ${agentOf('customer-success').email}`).waitFor();
    await page.getByLabel('Internal note').click();
    await page.keyboard.type('<b>Called</b> the customer: the parcel was late.', { delay: 5 });
    await page.getByRole('button', { name: 'Add note' }).click();
    // HTML in a note is shown as text.
    await page.getByText('<b>Called</b> the customer: the parcel was late.').waitFor();
    expect(await page.locator('.history b').count()).toBe(0);
    await page.getByLabel('Reply to customer').click();
    await page.keyboard.type('We are sorry: a new parcel leaves today.', { delay: 5 });
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('replied to the customer').waitFor();
    // The customer's inbox gets the reply, never the note.
    const [email, ...more] = await waitForEmails(customer, 1, 30_000);
    expect(more).toEqual([]);
    expect(email?.subject).toContain('A message about your feedback');
    expect(email?.body.text).toContain('We are sorry: a new parcel leaves today.');
    expect(JSON.stringify(email)).not.toContain('Called');
    await page.getByLabel('Root cause').selectOption('delivery-delay');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('heading', { level: 1, name: /resolved/ }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeFindings(page)).toEqual([]);
    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    expect(await axeFindings(page)).toEqual([]);

    // Sign out: the provider's session ends; the next visit asks for the password again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByLabel('Password').waitFor();
    expect(new URL(page.url()).origin).toBe(sandbox.endpoints.oidc);
    const allowed = [sandbox.publicBaseUrl, sandbox.endpoints.oidc];
    expect(requests.filter((url) => !allowed.some((origin) => url.startsWith(origin)))).toEqual([]);
    await context.close();
  });

  it('the admin team’s dashboard shows the score the CLI report shows for the same data; another team has no dashboard (403)', async () => {
    const segment = `dash-${randomUUID().slice(0, 8)}`;
    await seedSegment(segment, [10, 10, 9, 8, 7, 3, 0]);
    // What `closeloop report --segment <segment>` computes from the same buckets, once the measure stage counted every answer.
    const store = new DynamoAggregateStore(sandbox.tables.surveys, documents);
    const request = { period: periodOf({}), granularity: 'week' as const, programIds: ['order-delivered-nps'], segments: [segment] };
    let report = (await loadReports(store, demoCatalog, request))[0];
    for (const deadline = Date.now() + 30_000; report?.responses !== 7 && Date.now() < deadline; await pause(250)) {
      report = (await loadReports(store, demoCatalog, request))[0];
    }
    expect(report?.responses).toBe(7);
    const expected = `${report?.score?.value} ± ${report?.score?.marginOfError}`;

    const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${sandbox.publicBaseUrl}/dashboard?program=order-delivered-nps&segment=${segment}`);
    await signIn(page, 'cx-admin');
    await page.getByRole('heading', { level: 2, name: `order-delivered-nps · ${segment}` }).waitFor();
    expect(await page.locator('.report strong').first().textContent()).toBe(expected);
    expect(await page.locator('.report svg').count()).toBeGreaterThanOrEqual(6);
    expect(await axeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeFindings(page)).toEqual([]);
    await context.close();

    const other = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } });
    const agentPage = await other.newPage();
    await agentPage.goto(`${sandbox.publicBaseUrl}/dashboard`);
    await signIn(agentPage, 'support');
    await agentPage.getByRole('status').filter({ hasText: "the dashboard is the admin team's (cx-admin)" }).waitFor();
    expect(await agentPage.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await other.close();
  });

  it('an agent of another team finds it neither in the inbox nor by its address (403)', async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${sandbox.publicBaseUrl}/inbox/${caseId}`);
    await signIn(page, 'support');
    // Back where they asked to go, and refused there.
    await page.getByRole('status').filter({ hasText: 'is not on a queue of team support' }).waitFor();
    const listed = page.waitForResponse((response) => response.url().includes('/api/cases?'));
    await page.goto(`${sandbox.publicBaseUrl}/inbox?status=resolved`);
    expect((await listed).status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    expect(await page.getByRole('link', { name: caseId.slice(0, 8) }).count()).toBe(0);
    await context.close();
  });
});
