import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { stages } from '../../scripts/build.js';
import { detractorCase } from '../fixtures/cases.js';
import {
  bounceFor,
  type DeployedFunction,
  httpEvent,
  invokeFresh,
  localVariables,
  NODE24,
  parkedAcknowledgement,
  runtimeVariables,
  sqsEvent,
  storedReply,
  streamInsert,
  synthesizeFunctions,
  ticketFor,
} from '../fixtures/deployed-functions.js';
import { dynamodb, mimeOf, sandbox, waitForEmails } from './sandbox-clients.js';

/**
 * What Lambda runs is what this proves: every function of the synthesized template, from its
 * cdk.out asset (the pre-built bundle and the catalog beside it), loaded by Lambda's Node.js 24
 * in a fresh process with the environment its template gives it (tokens replaced by the sandbox's
 * table, queues, bus and secret), handles one representative event against the emulators.
 */
const installed = existsSync(NODE24);
// CI must prove this on Node 24: without the binary it fails there instead of skipping.
const required = installed || process.env.CI === 'true';

describe.skipIf(!required)('the deployed bundles on Node.js 24, with their template environment (every function)', () => {
  let synthesized: ReturnType<typeof synthesizeFunctions>;
  const run = randomUUID().slice(0, 8);
  const surveyed = `deployed-${run}@example.com`;
  let token = '';

  beforeAll(() => {
    expect(installed, `${NODE24} is missing: run npm ci --prefix tools/node24`).toBe(true);
    synthesized = synthesizeFunctions();
  });
  afterAll(() => synthesized?.cleanUp());

  const fn = (stage: string): DeployedFunction => {
    const found = synthesized.functions.find((f) => f.stage === stage);
    if (!found) throw new Error(`the template has no ${stage} function`);
    return found;
  };
  const invoke = (stage: string, event: unknown) => {
    const deployed = fn(stage);
    const env = { ...runtimeVariables(deployed, sandbox), ...localVariables(deployed.variables, synthesized.template, sandbox) };
    return invokeFresh(deployed.assetDir, event, env);
  };

  it('the template has one nodejs24.x function per stage, each index.handler of its own asset', () => {
    expect(synthesized.functions.map((f) => f.stage).sort()).toEqual(stages());
    for (const deployed of synthesized.functions) {
      expect(deployed).toMatchObject({ runtime: 'nodejs24.x', handler: 'index.handler' });
      expect(existsSync(`${deployed.assetDir}/index.js`) && existsSync(`${deployed.assetDir}/catalog.json`)).toBe(true);
    }
  });

  it('dispatch: a resolved ticket from the buffer queue sends one survey email', async () => {
    const { result } = await invoke('dispatch', sqsEvent(ticketFor(surveyed), sandbox.queues['dispatch-buffer']!.arn));
    expect(result).toEqual({ batchItemFailures: [] });
    const [email, ...more] = await waitForEmails(surveyed, 1, 10_000);
    expect(more).toEqual([]);
    const link = /\/r\/([A-Za-z0-9_-]+)\?s=/.exec(email?.body.html ?? email?.body.text ?? '');
    expect(link, 'a rating link in the email').not.toBeNull();
    token = link![1]!;
  });

  it('respond: the rating page of that email is 200 HTML; an unknown token is 404', async () => {
    const page = await invoke('respond', httpEvent('GET', '/r/{token}', `/r/${token}`, { token }));
    expect(page.result).toMatchObject({ statusCode: 200, headers: expect.objectContaining({ 'content-type': expect.stringMatching(/^text\/html/) }) });
    const unknown = 'x'.repeat(token.length);
    const missing = await invoke('respond', httpEvent('GET', '/r/{token}', `/r/${unknown}`, { token: unknown }));
    expect(missing.result).toMatchObject({ statusCode: 404 });
  });

  it('follow-up and measure: the invitation written by dispatch, as its stream INSERT, is processed without failures', async () => {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(token)) }));
    expect(Item).toMatchObject({ type: 'invitation' });
    const event = streamInsert(Item!);
    expect((await invoke('rules', event)).result).toEqual({ batchItemFailures: [] });
    expect((await invoke('measure', event)).result).toEqual({ batchItemFailures: [] });
  });

  it("notify: a pending acknowledgement, as its outbox item's stream INSERT, is emailed to the respondent", async () => {
    const notified = `notified-${run}@example.com`;
    // Parked first, so that the sandbox's own notify poller leaves it to the deployed bundle.
    const item = await parkedAcknowledgement(dynamodb, sandbox.tables.surveys, `case-${run}`, notified);
    expect((await invoke('notify', streamInsert(item))).result).toEqual({ batchItemFailures: [] });
    const [email, ...more] = await waitForEmails(notified, 1, 10_000);
    expect(more).toEqual([]);
    expect(email?.body.text ?? email?.body.html).toBeTruthy();
  });

  it("notify + inbound: an acknowledgement's Reply-To is its case's address; the customer's reply to it, stored as SES stores it, lands in the case", async () => {
    const customer = `replying-${run}@example.com`;
    const opened = detractorCase(new Date(), `deployed-inbound-${run}`);
    const record = { ...opened, contactKey: contactKeyOf(customer), message: { ...opened.message, customer: { ...opened.message.customer, email: customer } } };
    await new DynamoCaseRepository(sandbox.tables.surveys, dynamodb).open(record);
    const { caseId } = record.message;
    const item = await parkedAcknowledgement(dynamodb, sandbox.tables.surveys, caseId, customer);
    expect((await invoke('notify', streamInsert(item))).result).toEqual({ batchItemFailures: [] });
    const [email] = await waitForEmails(customer, 1, 10_000);
    const replyTo = (await mimeOf(email!.messageId)).replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(/^reply\+[a-z2-7]{53}@/);
    const { event } = await storedReply(sandbox, { to: replyTo, from: customer, text: `Thank you ${run}.\n\n> quoted` });
    await invoke('inbound', event);
    const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.case(caseId), ConsistentRead: true }));
    expect(Item?.history.at(-1)).toMatchObject({ action: 'customer-replied', from: customer, text: `Thank you ${run}.` });
  });

  it('deliverability: a hard bounce from the feedback queue suppresses the address', async () => {
    const bounced = `bounced-${run}@example.com`;
    const { result } = await invoke('deliverability', sqsEvent(bounceFor(bounced, sandbox.region), sandbox.queues['deliverability-feedback']!.arn));
    expect(result).toEqual({ batchItemFailures: [] });
    const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression(contactKeyOf(bounced)) }));
    expect(Item).toMatchObject({ type: 'suppression', reason: 'bounced' });
  });

  it('cases: an IAM-signed GET of an unknown case is 404 JSON', async () => {
    const caseId = `case-${run}`;
    const { result } = await invoke('cases', httpEvent('GET', '/cases/{caseId}', `/cases/${caseId}`, { caseId }, { iam: true }));
    expect(result).toMatchObject({ statusCode: 404 });
  });

  it('workspace: a member of the admin team (claims as the JWT authorizer passes them) reads an unknown case: 404 JSON; without claims 401', async () => {
    const caseId = `case-${run}`;
    const claims = { sub: 'deployed', email: 'lead@example.com', 'cognito:groups': '[cx-admin]' };
    const { result } = await invoke('workspace', httpEvent('GET', '/api/cases/{caseId}', `/api/cases/${caseId}`, { caseId }, { jwt: claims }));
    expect(result).toMatchObject({ statusCode: 404 });
    const { result: anonymous } = await invoke('workspace', httpEvent('GET', '/api/cases/{caseId}', `/api/cases/${caseId}`, { caseId }));
    expect(anonymous).toMatchObject({ statusCode: 401 });
  });

  it('deliver: an IAM-signed replay for an integration the catalog does not declare is 404 JSON', async () => {
    const event = httpEvent(
      'POST',
      '/integrations/{integrationId}/replay',
      '/integrations/nowhere/replay',
      { integrationId: 'nowhere' },
      {
        iam: true,
        body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
      },
    );
    const { result } = await invoke('deliver', event);
    expect(result).toMatchObject({ statusCode: 404 });
  });

  it('announce: an IAM-signed dry run answers its count per locale; a queued email whose invitation is gone is skipped without a failure', async () => {
    const body = {
      programId: 'checkout-csat',
      topic: 'price',
      // Tomorrow: no answer of any concurrent test can match.
      since: new Date(Date.now() + 86_400_000).toISOString(),
      messages: { en: { subject: 'We changed it', body: 'Hello {name}.' } },
      dryRun: true,
    };
    const { result } = await invoke('announce', httpEvent('POST', '/announcements', '/announcements', {}, { iam: true, body: JSON.stringify(body) }));
    expect(result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({ dryRun: true, recipients: 0, byLocale: {} });
    const job = {
      announcementId: `bundle-${run}`,
      programId: 'checkout-csat',
      tokenHash: `gone-${run}`,
      contactKey: `gone-${run}`,
      locale: 'en',
      subject: 's',
      body: 'b',
    };
    expect((await invoke('announce', sqsEvent(job, sandbox.queues['announce-sends']!.arn))).result).toEqual({ batchItemFailures: [] });
  });

  it('digest: a send request for a digest the catalog does not declare is 404 JSON naming it; a scheduled invocation of one throws', async () => {
    const event = httpEvent('POST', '/digests/{digestId}/send', '/digests/nowhere/send', { digestId: 'nowhere' }, { iam: true, body: '{}' });
    const { result } = await invoke('digest', event);
    expect(result).toMatchObject({ statusCode: 404 });
    expect(JSON.parse((result as { body: string }).body).message).toContain('no digest "nowhere"');
    await expect(invoke('digest', { digestId: 'nowhere' })).rejects.toThrow(/no digest "nowhere"/);
  });

  it('escalate: the scheduled sweep runs', async () => {
    const { invokeMs } = await invoke('escalate', {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: sandbox.region,
      resources: [],
      detail: {},
    });
    expect(invokeMs).toBeGreaterThan(0);
  });

  it('erase: an IAM-signed erasure of an address answers 200 with its report', async () => {
    const { result } = await invoke(
      'erase',
      httpEvent('POST', '/erasures', '/erasures', {}, { iam: true, body: JSON.stringify({ email: `erased-${run}@example.com` }) }),
    );
    expect(result).toMatchObject({ statusCode: 200 });
  });
});
