import { ALL_SEGMENTS } from '../domain/aggregates.js';
import { describeAttempt, verdictOf } from '../domain/delivery-policy.js';
import { type Digest, type DigestContent, digestContent, digestEmail, digestSlackMessage, digestWeek, isEmailRecipient, localDay } from '../domain/digest.js';
import type { Integration } from '../domain/integrations.js';
import type { Catalog } from '../domain/program.js';
import type { Period } from '../domain/report.js';
import {
  type AggregateStore,
  type DigestLedger,
  type OverdueCases,
  RecipientRejectedError,
  type SecretStore,
  type SurveyMailer,
  type WebhookSender,
} from '../ports.js';
import { loadReports } from '../report/load.js';

export interface DigestDeps {
  readonly catalog: Pick<Catalog, 'brand' | 'programs' | 'answerWindowHours' | 'digests' | 'integrations'>;
  readonly aggregates: AggregateStore;
  /** Counts the cases still open past their due time, per follow-up queue (the inbox index). @default not counted */
  readonly overdue?: OverdueCases;
  /** The follow-up queues whose overdue cases the digest counts. */
  readonly queues?: readonly string[];
  readonly ledger: DigestLedger;
  /** The Slack integrations' incoming-webhook URLs (read once per cold start, the store caches). */
  readonly secrets: SecretStore;
  readonly sender: WebhookSender;
  readonly mailer: SurveyMailer;
  /** Where a recipient asks to be taken off a digest (the From's Reply-To too). */
  readonly supportEmail: string;
  /** How long a claim is held for its send: longer than the function's timeout. */
  readonly leaseSeconds: number;
  readonly now: () => Date;
}

export interface DigestRequest {
  readonly digestId: string;
  /** yyyy-mm-dd: the week (Monday to Sunday, in the digest's zone) that holds this day. @default the last complete week */
  readonly weekOf?: string;
}

export type RecipientOutcome =
  /** Sent now. */
  | { readonly to: string; readonly status: 'sent' }
  /** Sent (or refused for good) by an earlier invocation for this week: nothing sent. */
  | { readonly to: string; readonly status: 'already-sent' }
  /** Not sent, and not to be retried: the reason. */
  | { readonly to: string; readonly status: 'skipped' | 'rejected'; readonly reason: string };

export interface DigestOutcome {
  readonly digestId: string;
  readonly week: Period;
  readonly recipients: readonly RecipientOutcome[];
}

export class UnknownDigestError extends Error {
  override readonly name = 'UnknownDigestError';
}

/** The request names no day (`week`). */
export class DigestRequestError extends Error {
  override readonly name = 'DigestRequestError';
}

/** Some recipients could not be sent to for now (the others were): thrown so the invocation is retried; sent ones are not sent again. */
export class DigestDeliveryError extends Error {
  override readonly name = 'DigestDeliveryError';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isLoopback = (url: URL) => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** Builds the week's digest from the day buckets (the report's code: its cost depends on days and programs, not on answers). */
export async function buildDigest(
  digest: Digest,
  week: Period,
  today: string,
  deps: Pick<DigestDeps, 'catalog' | 'aggregates' | 'overdue' | 'queues' | 'now'>,
): Promise<DigestContent> {
  const reports = await loadReports(deps.aggregates, deps.catalog as Catalog, {
    period: week,
    granularity: 'week',
    segments: [ALL_SEGMENTS],
    today,
    ...(digest.programs?.length ? { programIds: digest.programs } : {}),
  });
  const { overdue, queues } = deps;
  const now = deps.now().getTime();
  const overdueNow = overdue && queues ? await Promise.all(queues.map(async (queue) => ({ queue, count: await overdue.countOverdue(queue, now) }))) : undefined;
  return digestContent(digest, deps.catalog.brand.name, week, reports, overdueNow);
}

/**
 * Sends one digest for one week to each of its recipients at most once: a conditional claim per
 * recipient, the send, a sent mark. A transient failure releases that recipient's claim; after
 * trying every recipient the use case throws, so the retry sends only what is still owed.
 */
export async function sendDigest(request: DigestRequest, deps: DigestDeps): Promise<DigestOutcome> {
  const digest = deps.catalog.digests?.find((d) => d.id === request.digestId);
  if (!digest) {
    const known = (deps.catalog.digests ?? []).map((d) => d.id);
    throw new UnknownDigestError(`no digest "${request.digestId}" in the catalog (declared: ${known.join(', ') || 'none'})`);
  }
  if (request.weekOf !== undefined && (!DAY.test(request.weekOf) || Number.isNaN(Date.parse(request.weekOf)))) {
    throw new DigestRequestError(`week: "${request.weekOf}" is not a day such as 2026-11-23`);
  }
  const now = deps.now();
  const week = digestWeek(now, digest.timeZone, request.weekOf);
  const content = await buildDigest(digest, week, localDay(now, digest.timeZone), deps);
  const recipients: RecipientOutcome[] = [];
  const failures: string[] = [];
  for (const to of digest.to) {
    const nowSeconds = Math.floor(deps.now().getTime() / 1000);
    const integration = isEmailRecipient(to) ? undefined : deps.catalog.integrations?.find((i) => i.id === to && i.kind === 'slack');
    if (!isEmailRecipient(to) && !integration) {
      // The sandbox leaves out an integration whose secret is not set; the stack never deploys such a catalog.
      recipients.push({ to, status: 'skipped', reason: `no slack integration "${to}" is available` });
      continue;
    }
    const claim = await deps.ledger.claim(digest.id, week.from, to, nowSeconds, nowSeconds + deps.leaseSeconds);
    if (claim === 'sent') {
      recipients.push({ to, status: 'already-sent' });
      continue;
    }
    if (claim === 'held') {
      failures.push(`${to}: another invocation is sending it`);
      continue;
    }
    let result: { ok: true } | { ok: false; final: boolean; reason: string };
    try {
      result = integration ? await postToSlack(integration, content, deps) : await email(to, digest, content, deps);
    } catch (error) {
      await deps.ledger.release(digest.id, week.from, to);
      failures.push(`${to}: ${(error as Error).message}`);
      continue;
    }
    if (result.ok) {
      await deps.ledger.markSent(digest.id, week.from, to, deps.now());
      recipients.push({ to, status: 'sent' });
    } else if (result.final) {
      await deps.ledger.markSent(digest.id, week.from, to, deps.now(), 'rejected');
      recipients.push({ to, status: 'rejected', reason: result.reason });
    } else {
      await deps.ledger.release(digest.id, week.from, to);
      failures.push(`${to}: ${result.reason}`);
    }
  }
  if (failures.length) throw new DigestDeliveryError(`digest "${digest.id}" of ${week.from}: not sent to ${failures.join('; ')}`);
  return { digestId: digest.id, week, recipients };
}

async function postToSlack(integration: Integration, content: DigestContent, deps: DigestDeps) {
  let url: URL;
  try {
    url = new URL((await deps.secrets.read(integration.secret)).trim());
  } catch (error) {
    if (error instanceof TypeError)
      return { ok: false as const, final: true, reason: `the secret "${integration.secret}" does not hold a Slack incoming-webhook URL` };
    throw error;
  }
  if (url.protocol !== 'https:' && !isLoopback(url))
    return { ok: false as const, final: true, reason: `the Slack URL in "${integration.secret}" is not https` };
  const attempt = await deps.sender.post(url.toString(), { 'content-type': 'application/json' }, JSON.stringify(digestSlackMessage(content)));
  const verdict = verdictOf(attempt);
  if (verdict === 'delivered') return { ok: true as const };
  return { ok: false as const, final: verdict === 'rejected', reason: describeAttempt(attempt) };
}

async function email(to: string, digest: Digest, content: DigestContent, deps: DigestDeps) {
  const stop = { url: `mailto:${deps.supportEmail}?subject=${encodeURIComponent(`Stop the digest ${digest.id}`)}`, label: 'Stop receiving this digest' };
  const message = digestEmail(content, deps.catalog.brand, stop);
  try {
    await deps.mailer.send({ to, ...message, headers: {}, tags: { digest: digest.id, week: content.week.from } });
    return { ok: true as const };
  } catch (error) {
    if (error instanceof RecipientRejectedError) return { ok: false as const, final: true, reason: error.message };
    throw error;
  }
}
