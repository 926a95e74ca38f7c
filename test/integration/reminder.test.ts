import { randomUUID } from 'node:crypto';
import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { bufferQueue } from '../../functions/config/resources.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { isHeldOut, reminderScheduleName } from '../../functions/domain/reminder.js';
import type { SegmentReport } from '../../functions/domain/report.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { loadReports } from '../../functions/report/load.js';
import { REMINDER_TEST_PROGRAM, sandboxCatalog } from '../fixtures/catalog.js';
import { answer, dynamodb, mimeOf, putEvent, sandbox, sleep, sqs, waitForEmails, waitUntilDrained } from './sandbox-clients.js';

/**
 * The one reminder through the real pipeline: the sandbox runs the test program `reminder-nps`
 * (after PT6H, about 11 s at the suite's delay scale; half the contacts held out), its Scheduler
 * endpoint fires the one-time schedule into the dispatch buffer, and the emails are read back as MIME.
 */
const scheduler = new SchedulerClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.scheduler });
const GROUP = 'closeloop-sandbox';
const buffer = sandbox.queues[bufferQueue.name]!.url;
const caseApi: CaseApi = {
  baseUrl: sandbox.endpoints.publicApi,
  region: sandbox.region,
  credentials: async () => sandbox.credentials,
  description: 'the test sandbox',
};
const { holdout } = REMINDER_TEST_PROGRAM.reminder;

/** A fresh address in the reminder group, or in the held-out control group. */
function address(group: 'reminded' | 'held-out'): string {
  const run = randomUUID().slice(0, 8);
  for (let i = 0; ; i++) {
    const email = `reminder-${run}-${i}@example.com`;
    if (isHeldOut(REMINDER_TEST_PROGRAM.id, contactKeyOf(email), holdout) === (group === 'held-out')) return email;
  }
}

/** The raw header line as it was sent (mailparser also digests List-* headers into `list`). */
const headerLine = (mail: ParsedMail, name: string) =>
  mail.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/^[^:]+:\s*/, '')
    .replace(/\r?\n\s+/g, ' ');
const ratingLink = (text: string | undefined) => /^10: (\S+)$/m.exec(text ?? '')?.[1] as string;
const tokenOf = (link: string) => /\/r\/([\w-]{22})\?/.exec(link)?.[1] as string;

/** Surveys the address through the bus and returns the survey email's link and token. */
async function surveyed(email: string, locale = 'en') {
  await putEvent(REMINDER_TEST_PROGRAM.trigger.source, REMINDER_TEST_PROGRAM.trigger.detailType, {
    eventId: `visit-${email}`,
    occurredAt: new Date().toISOString(),
    customer: { id: `id-${email}`, email, name: 'Kai', locale },
  });
  const [survey] = await waitForEmails(email);
  expect(survey, `no survey email to ${email}`).toBeDefined();
  const link = ratingLink(survey!.body.text);
  return { survey: survey!, link, token: tokenOf(link) };
}

async function scheduleOf(token: string) {
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: reminderScheduleName(hashToken(token)), GroupName: GROUP }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Until the reminder's schedule has fired (a one-time schedule deletes itself) and dispatch has taken its message. */
async function untilFired(token: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (await scheduleOf(token)) {
    if (Date.now() > deadline) throw new Error('the reminder schedule did not fire');
    await sleep(250);
  }
  await waitUntilDrained(buffer);
  await sleep(1500);
}

const invitationItem = async (token: string) =>
  (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(token)), ConsistentRead: true }))).Item;

describe.concurrent('one reminder (sandbox, real emails)', () => {
  it('reminds a non-respondent exactly once, with the same link, in their language', async () => {
    const email = address('reminded');
    const { survey, token } = await surveyed(email, 'hr');

    const emails = await waitForEmails(email, 2);
    await untilFired(token);

    expect(emails).toHaveLength(2);
    expect(await waitForEmails(email, 3, 0)).toHaveLength(2);
    const [first, reminder] = await Promise.all([mimeOf(survey.messageId), mimeOf(emails[1]!.messageId)]);
    expect(reminder.subject).toBe('Podsjetnik: kratko pitanje – Closeloop Demo Shop');
    expect(first.subject).not.toBe(reminder.subject);
    expect(reminder.text).toContain('Samo podsjetnik: i dalje bismo rado čuli vaše mišljenje.');
    expect(tokenOf(ratingLink(reminder.text))).toBe(token);
    expect(headerLine(reminder, 'list-unsubscribe')).toMatch(/^<https?:.+\/u\/[\w-]{43}>$/);
    expect(headerLine(reminder, 'list-unsubscribe')).toBe(headerLine(first, 'list-unsubscribe'));
    expect(await invitationItem(token)).toMatchObject({ reminderPlan: 'scheduled', remindedAt: expect.any(String) });
  });

  it('sends once when the schedule message is delivered twice (and the schedule fires a third time)', async () => {
    const email = address('reminded');
    const { token } = await surveyed(email);
    const schedule = await scheduleOf(token);
    expect(schedule?.Target?.Input).toBeDefined();
    expect(schedule?.Target?.Input).not.toContain(email);

    await Promise.all([1, 2].map(() => sqs.send(new SendMessageCommand({ QueueUrl: buffer, MessageBody: schedule!.Target!.Input! }))));
    expect(await waitForEmails(email, 2)).toHaveLength(2);
    await untilFired(token);

    expect(await waitForEmails(email, 3, 0)).toHaveLength(2);
  });

  it('sends no reminder after an answer', async () => {
    const email = address('reminded');
    const { link, token } = await surveyed(email);
    expect((await answer(link, { score: '9' })).status).toBe(200);

    await untilFired(token);

    expect(await waitForEmails(email, 2, 0)).toHaveLength(1);
    expect(await invitationItem(token)).not.toHaveProperty('remindedAt');
  });

  it('sends no reminder after a one-click unsubscribe', async () => {
    const email = address('reminded');
    const { survey, token } = await surveyed(email);
    const unsubscribe = /^<(https?:[^>]+)>$/.exec(headerLine(await mimeOf(survey.messageId), 'list-unsubscribe') ?? '')![1]!;
    const response = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);

    await untilFired(token);

    expect(await waitForEmails(email, 2, 0)).toHaveLength(1);
  });

  it('sends no reminder after an erasure, and leaves nothing of the person behind', async () => {
    const email = address('reminded');
    const { token } = await surveyed(email);
    await callCaseApi(caseApi, 'POST', '/erasures', { email });

    await untilFired(token);

    expect(await waitForEmails(email, 2, 0)).toHaveLength(1);
    expect(await invitationItem(token)).toBeUndefined();
  });

  it('holds out the control group: no schedule, no reminder, the plan recorded for the report', async () => {
    const email = address('held-out');
    const { token } = await surveyed(email);

    expect(await scheduleOf(token)).toBeUndefined();
    expect(await invitationItem(token)).toMatchObject({ reminderPlan: 'held-out' });
    await sleep(13_000); // longer than the reminder group's delay

    expect(await waitForEmails(email, 2, 0)).toHaveLength(1);
  });
});

describe('the report of the reminder program (after the tests above)', () => {
  it('gives the response rate with and without the reminder, with counts, from the measure stage', async () => {
    const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
    const today = new Date().toISOString().slice(0, 10);
    const request = { period: { from: today, to: today }, granularity: 'day' as const, programIds: [REMINDER_TEST_PROGRAM.id] };
    let reminders: SegmentReport['reminders'];
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(500)) {
      reminders = (await loadReports(store, sandboxCatalog, request))[0]?.reminders;
      // Above: two reminders sent, five surveys planned for one (one answered), one held out.
      if (reminders && reminders.remindersSent >= 2 && reminders.withReminder.responses >= 1 && reminders.heldOut.sent >= 1) break;
    }
    expect(reminders?.withReminder.sent).toBeGreaterThanOrEqual(5);
    expect(reminders?.withReminder.responses).toBeGreaterThanOrEqual(1);
    expect(reminders?.heldOut.sent).toBeGreaterThanOrEqual(1);
    expect(reminders?.remindersSent).toBeGreaterThanOrEqual(2);
    expect(reminders?.withReminder.responseRate).toBe(Math.round((reminders!.withReminder.responses / reminders!.withReminder.sent) * 1000) / 10);
  });
});
