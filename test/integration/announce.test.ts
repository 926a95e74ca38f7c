import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { DynamoInvitationRepository } from '../../functions/adapters/dynamo-invitation-repository.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { caseIdFor } from '../../functions/domain/follow-up-case.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { demoCatalog } from '../fixtures/catalog.js';
import { dynamodb, emailsTo, mimeOf, sandbox, sleep, waitForEmails, waitUntilDrained } from './sandbox-clients.js';

const cli = promisify(execFile);
const cliEnv = {
  ...process.env,
  AWS_REGION: sandbox.region,
  AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
};
const caseApi: CaseApi = {
  baseUrl: sandbox.endpoints.publicApi,
  region: sandbox.region,
  credentials: async () => sandbox.credentials,
  description: 'the test sandbox',
};
const closeloop = (...args: string[]) => cli('node', ['dist/cli/closeloop.mjs', ...args, '--api-url', sandbox.endpoints.publicApi], { env: cliEnv });
const announce = async (...args: string[]) => JSON.parse((await closeloop('announce', ...args, '--json')).stdout) as Record<string, any>;

const brand = demoCatalog.brand.name;
const headerLine = (mail: ParsedMail, name: string) =>
  mail.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/^[^:]+:\s*/, '')
    .replace(/\r?\n\s+/g, ' ');
const dir = mkdtempSync(path.join(os.tmpdir(), 'announce-it-'));
/** The checkout program: no other integration test surveys it, so its answers here are this file's alone. */
const PROGRAM = 'checkout-csat';
const invitations = new DynamoInvitationRepository(sandbox.tables.surveys, dynamodb);

/** An answered invitation of the checkout program, written through the real repository (the stream stages see it as any answer). */
async function answered(person: { email: string; name: string; locale: string }, score: number, comment: string, respondedAt = new Date()) {
  const token = newToken();
  const tokenHash = hashToken(token);
  const contactKey = contactKeyOf(person.email);
  const now = Math.floor(Date.now() / 1000);
  const customer = { id: `cust-${randomUUID()}`, email: person.email, name: person.name, locale: person.locale };
  await invitations.reserve(
    {
      tokenHash,
      programId: PROGRAM,
      kind: 'csat',
      eventId: `placed-${randomUUID()}`,
      contactKey,
      locale: person.locale,
      customer,
      context: {},
      createdAt: new Date(respondedAt.getTime() - 60_000).toISOString(),
      expiresAt: now + 86_400,
    },
    { contactKey, rests: [], now },
    { token, until: now + 90 },
  );
  const result = await invitations.recordResponse(tokenHash, { score, comment, respondedAt: respondedAt.toISOString(), revision: 1 }, new Date(), now + 3600);
  expect(result.status).toBe('recorded');
  return { tokenHash, contactKey };
}

const messageFile = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    [
      'en:',
      '  subject: "{brand}: you said, we did"',
      '  body: |',
      '    Hello {name},',
      '',
      '    you told us about it. {brand} changed it.',
      'et:',
      '  subject: "{brand}: te ütlesite, me tegime"',
      '  body: |',
      '    Tere {name}!',
      '',
      '    Te rääkisite meile sellest. {brand} muutis seda.',
      'hr:',
      '  subject: "{brand}: rekli ste, učinili smo"',
      '  body: |',
      '    Pozdrav {name},',
      '',
      '    rekli ste nam. {brand} je to promijenio.',
      '',
    ].join('\n'),
  );
  return file;
};

describe('closeloop announce (the real CLI against the sandbox, real emails)', () => {
  it('reaches exactly the matching respondents once, in their languages; a dry run sends nothing; a second run sends nothing new; suppressed and erased people are skipped', async () => {
    const run = randomUUID().slice(0, 8);
    const since = new Date(Date.now() - 1000).toISOString();
    const person = (label: string, locale: string) => ({ email: `announce-${label}-${run}@example.com`, name: `${label} ${run}`, locale });
    const kadri = person('kadri', 'et');
    const ivana = person('ivana', 'hr');
    const somchai = person('somchai', 'th'); // no Thai wording: the program's default (en)
    const web = person('web', 'en'); // another topic
    const early = person('early', 'en'); // answered before the date
    const unsubscribed = person('unsubscribed', 'en');
    const erased = person('erased', 'en');

    await answered(kadri, 3, `Hind oli liiga kallis ${run}`);
    await answered(kadri, 4, `Ikka kallis ${run}`); // the same person twice: one email
    await answered(ivana, 3, `Previsoka cijena ${run}`);
    await answered(somchai, 3, `ราคาแพงเกินไป ${run}`);
    await answered(web, 3, `The checkout page froze ${run}`);
    await answered(early, 3, `Too expensive ${run}`, new Date(Date.parse(since) - 3_600_000));
    const suppressed = await answered(unsubscribed, 3, `Too expensive ${run}`);
    await invitations.suppress(suppressed.contactKey, 'unsubscribed', new Date());
    await answered(erased, 3, `Too expensive ${run}`);
    await closeloop('erase', erased.email);

    const file = messageFile(`price-${run}.yaml`);
    const args = ['--program', PROGRAM, '--topic', 'price', '--since', since, '--message-file', file];

    // A dry run counts per locale and sends nothing.
    const dry = await announce(...args, '--dry-run');
    expect(dry).toMatchObject({ dryRun: true, matched: 4, recipients: 3, byLocale: { en: 1, et: 1, hr: 1 }, skipped: { suppressed: 1, alreadyAnnounced: 0 } });
    await sleep(1500);
    expect(await emailsTo(kadri.email)).toHaveLength(0);

    const first = await announce(...args);
    expect(first).toMatchObject({ dryRun: false, announcementId: dry.announcementId, recipients: 3, byLocale: { en: 1, et: 1, hr: 1 } });
    const [toKadri] = await waitForEmails(kadri.email);
    const [toIvana] = await waitForEmails(ivana.email);
    const [toSomchai] = await waitForEmails(somchai.email);
    expect(toKadri?.subject).toBe(`${brand}: te ütlesite, me tegime`);
    expect(toIvana?.subject).toBe(`${brand}: rekli ste, učinili smo`);
    expect(toSomchai?.subject).toBe(`${brand}: you said, we did`);

    const mail = await mimeOf(toKadri!.messageId);
    expect(mail.text).toContain(`Tere ${kadri.name}!\n\nTe rääkisite meile sellest. ${brand} muutis seda.`);
    expect(mail.text).not.toContain('{brand}');
    expect(mail.replyTo?.text).toBe(sandbox.supportEmail);
    expect(mail.from?.text).toContain(sandbox.senderEmail);
    expect(headerLine(mail, 'list-unsubscribe')).toMatch(new RegExp(`^<${sandbox.publicBaseUrl}/u/[A-Za-z0-9_-]{43}>$`));
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain('lang="et"');

    // A second run of the same announcement queues and sends nothing new.
    const second = await announce(...args);
    expect(second).toMatchObject({ announcementId: first.announcementId, recipients: 0, skipped: { alreadyAnnounced: 3 } });
    await waitUntilDrained(sandbox.queues['announce-sends']!.url);
    await sleep(1000);
    for (const who of [kadri, ivana, somchai]) expect(await emailsTo(who.email), who.email).toHaveLength(1);
    for (const who of [web, early, unsubscribed, erased]) expect(await emailsTo(who.email), who.email).toHaveLength(0);

    // The record of a sent announcement is kept per person, by the hashed address only.
    const { Item: record } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.announcement(first.announcementId, contactKeyOf(kadri.email)) }),
    );
    expect(record).toMatchObject({ type: 'announcement', status: 'sent', contactKey: contactKeyOf(kadri.email), locale: 'et' });
    expect(JSON.stringify(record)).not.toContain('@');
  });

  it('by root cause: reaches the respondents whose case was resolved with it, and refuses bad input with a clear error', async () => {
    const run = randomUUID().slice(0, 8);
    const since = new Date(Date.now() - 1000).toISOString();
    const priced = { email: `announce-rc-${run}@example.com`, name: `Ana ${run}`, locale: 'hr' };
    const other = { email: `announce-rc-other-${run}@example.com`, name: `Ben ${run}`, locale: 'en' };
    const pricedAnswer = await answered(priced, 1, `Nothing to do with the topic ${run}`);
    const otherAnswer = await answered(other, 1, `Nothing either ${run}`);
    // The rules stage opens a case for each (dissatisfied, ≤ 2); the team resolves them with different root causes.
    for (const [answer, rootCause] of [
      [pricedAnswer, 'pricing'],
      [otherAnswer, 'other'],
    ] as const) {
      const caseId = caseIdFor(answer.tokenHash, 'dissatisfied');
      for (const until = Date.now() + 30_000; ; await sleep(200)) {
        const found = await callCaseApi(caseApi, 'GET', `/cases/${caseId}`).catch(() => undefined);
        if (found || Date.now() > until) break;
      }
      await callCaseApi(caseApi, 'POST', `/cases/${caseId}/resolve`, { rootCause, note: 'internal' });
    }
    const file = messageFile(`pricing-${run}.yaml`);
    const plan = await announce('--program', PROGRAM, '--root-cause', 'pricing', '--since', since, '--message-file', file);
    expect(plan).toMatchObject({ recipients: 1, byLocale: { hr: 1 } });
    const [mail] = await waitForEmails(priced.email);
    expect(mail?.subject).toMatch(/rekli ste, učinili smo$/);
    await waitUntilDrained(sandbox.queues['announce-sends']!.url);
    expect(await emailsTo(other.email)).toHaveLength(0);

    // Bad input: a message file without the default locale, unknown keys, an unknown root cause.
    const noDefault = path.join(dir, `no-default-${run}.yaml`);
    writeFileSync(noDefault, 'et:\n  subject: Tere\n  body: Tekst\n');
    await expect(announce('--program', PROGRAM, '--root-cause', 'pricing', '--since', since, '--message-file', noDefault)).rejects.toThrow(
      /400: message file: no wording for "en", the default locale of program "checkout-csat"/,
    );
    const unknownKey = path.join(dir, `unknown-${run}.yaml`);
    writeFileSync(unknownKey, 'en:\n  subject: Hi\n  body: Text\n  html: <b>x</b>\n');
    await expect(announce('--program', PROGRAM, '--root-cause', 'pricing', '--since', since, '--message-file', unknownKey)).rejects.toThrow(
      /en\.html: unknown key \(subject, body\)/,
    );
    await expect(announce('--program', PROGRAM, '--root-cause', 'bad-luck', '--since', since, '--message-file', file)).rejects.toThrow(
      /400: rootCause: "bad-luck" is not a root cause of the catalog/,
    );
  });
});
