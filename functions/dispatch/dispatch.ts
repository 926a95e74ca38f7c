import { createHash } from 'node:crypto';
import { dueEnvelope, parseSurveyEvent, type SurveyEvent } from '../domain/event.js';
import { eventRejected, surveySent, surveySkipped } from '../domain/integration-events.js';
import type { Invitation } from '../domain/invitation.js';
import { resolveLocale } from '../domain/messages.js';
import { contactKeyOf, isSampledIn, nextSendTime } from '../domain/policies.js';
import { findProgram, isInAudience, programsCancelledBy, programsFor, type SurveyProgram } from '../domain/program.js';
import { parseReminderEnvelope, planReminder, reminderEnvelope, reminderScheduleName } from '../domain/reminder.js';
import { hashToken } from '../domain/tokens.js';
import type { ReservationGuard, SkipReason, UnsentClaim } from '../ports.js';
import { sendClaimed } from '../send-ledger.js';
import { cancelKeyOf, type DispatchDeps, type DispatchOutcome, SCHEDULE_MARGIN_MS, SendInProgressError } from './dispatch-deps.js';
import { sendReminder } from './reminder.js';
import { renderSurveyEmail } from './survey-email.js';

export { cancelKeyOf, type DispatchDeps, type DispatchOutcome, SCHEDULE_MARGIN_MS, SendInProgressError } from './dispatch-deps.js';

const DAY = 86_400;

/**
 * Turns one bus event into at most one survey email per matching program and eventId, at the
 * right time, respecting audience, sampling, rest periods, suppression, cancellation and quiet
 * hours. A contract violation goes to the dead letters with its reason and is not retried; a
 * transient failure throws, after undoing the reservation, so the queue retries it.
 */
export async function dispatchEvent(body: string, deps: DispatchDeps): Promise<DispatchOutcome[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return [await reject(body, 'event contract v1: (root): the message body is not JSON', deps)];
  }
  const reminder = parseReminderEnvelope(raw);
  if (reminder) return [reminder.ok ? await sendReminder(reminder.value, deps) : await reject(body, `reminder: ${reminder.reason}`, deps)];
  const parsed = parseSurveyEvent(raw);
  if (!parsed.ok) return [await reject(body, `event contract v1: ${parsed.reason}`, deps)];
  const event = parsed.value;
  const envelope = raw as Record<string, unknown>;

  if (event.due) {
    const program = findProgram(deps.catalog, event.due.programId);
    if (!program) return [await reject(body, `program "${event.due.programId}" of a delayed survey is no longer declared`, deps)];
    if (!program.enabled) return [await skip(event, program, 'disabled', deps)];
    if (program.dryRun) return [await skip(event, program, 'dry-run', deps)];
    return [await deliver(event, envelope, program, deps)];
  }

  const outcomes: DispatchOutcome[] = [];
  for (const program of programsCancelledBy(deps.catalog, event.source, event.detailType)) {
    outcomes.push(await cancelPending(event, envelope, program, deps));
  }
  for (const program of programsFor(deps.catalog, event.source, event.detailType)) {
    outcomes.push(await start(event, envelope, program, deps));
  }
  if (!outcomes.length) {
    return [await reject(body, `no survey program for source "${event.source}" and detail-type "${event.detailType}"`, deps)];
  }
  return outcomes;
}

/** Kept on the dead letters with the reason, and announced to the producer (EventRejected: ids and the reason, no personal data). */
async function reject(body: string, reason: string, deps: DispatchDeps): Promise<DispatchOutcome> {
  await deps.deadLetters.reject(body, reason);
  return { status: 'rejected', reason, events: [eventRejected(body, reason, deps.now().toISOString())] };
}

async function cancelPending(event: SurveyEvent, envelope: Record<string, unknown>, program: SurveyProgram, deps: DispatchDeps): Promise<DispatchOutcome> {
  const cancelKey = cancelKeyOf(program, event.context);
  if (!cancelKey) {
    return reject(JSON.stringify(envelope), `event contract v1: detail.context.${program.cancel?.matchOn}: required to cancel "${program.id}"`, deps);
  }
  const now = deps.now();
  // Kept for as long as a survey of this program can still be pending.
  const expiresAt = Math.floor(now.getTime() / 1000) + program.delaySeconds + deps.catalog.invitationTtlDays * DAY;
  await deps.contacts.cancelPending(cancelKey, now, expiresAt);
  return { status: 'cancelled-pending', programId: program.id, eventId: event.eventId, events: [] };
}

async function start(event: SurveyEvent, envelope: Record<string, unknown>, program: SurveyProgram, deps: DispatchDeps): Promise<DispatchOutcome> {
  if (!isInAudience(program, event.customer)) return { status: 'not-in-audience', programId: program.id, eventId: event.eventId, events: [] };
  if (!isSampledIn(program.id, contactKeyOf(event.customer.email), program.sampleRate)) {
    return skip(event, program, 'sampled-out', deps);
  }
  // A dry run stops at the decision: recorded and announced like any skip, nothing reserved or sent.
  if (program.dryRun) return skip(event, program, 'dry-run', deps);
  return deliver(event, envelope, program, deps);
}

/** Schedule name: unique per program, event and time, within Scheduler's 64 characters. */
export function scheduleName(programId: string, eventId: string, at: Date): string {
  return `closeloop-${createHash('sha256').update(`${programId}\u0000${eventId}\u0000${at.toISOString()}`).digest('base64url').slice(0, 40)}`;
}

/**
 * Sends now, or schedules the event back to dispatch for the program's delay or the end of quiet
 * hours. A schedule that brings the event back is trusted: its time was chosen outside quiet hours.
 * Only a delivery that arrives late (a retried schedule) is checked against quiet hours again.
 */
async function deliver(event: SurveyEvent, envelope: Record<string, unknown>, program: SurveyProgram, deps: DispatchDeps): Promise<DispatchOutcome> {
  const now = deps.now();
  const due = event.due
    ? Date.parse(event.due.at) < now.getTime()
      ? now
      : null
    : new Date(Math.max(now.getTime(), Date.parse(event.occurredAt) + program.delaySeconds * 1000));
  if (!due) return sendNow(event, program, deps);
  const at = nextSendTime(due, event.customer.timeZone, deps.catalog.quietHours);
  if (at.getTime() - now.getTime() <= SCHEDULE_MARGIN_MS) return sendNow(event, program, deps);

  const { closeloopDue: _previous, ...original } = envelope;
  const result = await deps.scheduler.schedule(scheduleName(program.id, event.eventId, at), at, JSON.stringify(dueEnvelope(original, program.id, at)));
  if (result === 'duplicate') return skip(event, program, 'duplicate', deps);
  return { status: 'scheduled', programId: program.id, eventId: event.eventId, at: at.toISOString(), events: [] };
}

async function sendNow(event: SurveyEvent, program: SurveyProgram, deps: DispatchDeps): Promise<DispatchOutcome> {
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const token = deps.newToken();
  const contactKey = contactKeyOf(event.customer.email);
  const expiresAt = nowSeconds + deps.catalog.invitationTtlDays * DAY;
  const reminder = planReminder(program.reminder, { programId: program.id, contactKey, expiresAt, customer: event.customer }, now, deps.catalog.quietHours);
  const invitation: Invitation = {
    tokenHash: hashToken(token),
    programId: program.id,
    kind: program.kind,
    eventId: event.eventId,
    contactKey,
    locale: resolveLocale(event.customer.locale, Object.keys(deps.catalog.locales), program.defaultLocale),
    customer: event.customer,
    context: event.context,
    createdAt: now.toISOString(),
    expiresAt,
    ...(reminder ? { reminder: { plan: reminder.plan } } : {}),
  };
  const guard: ReservationGuard = {
    contactKey: invitation.contactKey,
    rests: [
      ...(program.restsAcrossPrograms !== false && deps.catalog.throttle.afterSendDays > 0
        ? [{ scope: 'all', until: nowSeconds + deps.catalog.throttle.afterSendDays * DAY }]
        : []),
      ...(program.throttleDays ? [{ scope: program.id, until: nowSeconds + program.throttleDays * DAY }] : []),
    ],
    cancelKey: cancelKeyOf(program, event.context),
    now: nowSeconds,
  };
  const reserved = await deps.invitations.reserve(invitation, guard, { token, until: nowSeconds + deps.leaseSeconds });
  const reminderAt = reminder?.plan === 'scheduled' ? reminder.at : undefined;
  if (typeof reserved === 'object') return resend(event, program, invitation, reserved.unsent, guard, deps, reminderAt);
  if (reserved !== 'reserved') return skip(event, program, reserved, deps);
  return send(event, program, invitation, token, guard, deps, false, reminderAt);
}

/**
 * The event was reserved before and its email never marked sent: the delivery that reserved it
 * died (a crash, a timeout) or is still sending. After its lease, send the same invitation with the
 * same token — no second invitation, no second rest period — unless the contact was suppressed or
 * the survey cancelled meanwhile, or the invitation was answered (its email did arrive).
 */
async function resend(
  event: SurveyEvent,
  program: SurveyProgram,
  fresh: Invitation,
  claim: UnsentClaim,
  guard: ReservationGuard,
  deps: DispatchDeps,
  reminderAt?: Date,
): Promise<DispatchOutcome> {
  if (claim.leaseUntil > guard.now)
    throw new SendInProgressError(
      `survey ${program.id} of event ${event.eventId} is being sent by another delivery until ${new Date(claim.leaseUntil * 1000).toISOString()}`,
    );
  // The stored invitation's identity and times; the rest comes from the same event, as it did then.
  const invitation: Invitation = { ...fresh, tokenHash: claim.tokenHash, createdAt: claim.createdAt, expiresAt: claim.expiresAt };
  const resumed = await deps.invitations.resume(invitation, claim, guard, guard.now + deps.leaseSeconds);
  if (resumed === 'held') throw new SendInProgressError(`survey ${program.id} of event ${event.eventId} was taken over or marked by another delivery`);
  // The stored invitation is another person's: its link never goes to this one. No email, the claim left as it is.
  if (resumed === 'reused') return skipped(event, program, 'event-id-reused', deps.now());
  if (resumed === 'answered') {
    await deps.invitations.markSent(invitation, deps.now());
    return skipped(event, program, 'duplicate', deps.now());
  }
  if (resumed !== 'resumed') {
    await deps.invitations.release(invitation, guard);
    return skip(event, program, resumed, deps);
  }
  return send(event, program, invitation, claim.token, guard, deps, true, reminderAt);
}

async function send(
  event: SurveyEvent,
  program: SurveyProgram,
  invitation: Invitation,
  token: string,
  guard: ReservationGuard,
  deps: DispatchDeps,
  resent = false,
  reminderAt?: Date,
): Promise<DispatchOutcome> {
  if (reminderAt) await scheduleReminder(invitation, token, reminderAt, guard, deps);
  const email = renderSurveyEmail(invitation, program, token, { brand: deps.catalog.brand, locales: deps.catalog.locales, publicBaseUrl: deps.publicBaseUrl });
  // A transient failure after the reservation frees it so the queue's retry can send; a missing sent
  // mark is in the outcome (the handler counts it): only another delivery, after the lease, could resend.
  const sent = await sendClaimed(
    {
      markSent: (at) => deps.invitations.markSent(invitation, at),
      release: () => deps.invitations.release(invitation, guard),
      reject: (at) => deps.invitations.rejectRecipient(invitation, at),
    },
    () => deps.mailer.send(email),
    deps.now,
  );
  if (sent.status === 'skipped') return skipped(event, program, 'rejected', deps.now());
  return {
    status: 'sent',
    programId: program.id,
    eventId: event.eventId,
    messageId: sent.messageId,
    marked: sent.marked,
    ...(resent ? { resent } : {}),
    ...(invitation.reminder ? { reminder: invitation.reminder.plan } : {}),
    events: [surveySent(invitation)],
  };
}

/**
 * The reminder's one-time schedule, named after the invitation, created before the survey is sent:
 * if the send then fails for good or is undone, the invitation is gone when the schedule fires and
 * nothing is sent; a redelivery of the same survey finds the schedule there ('duplicate'). A failure
 * to create it undoes the reservation and throws, so the queue retries the survey with its reminder.
 */
async function scheduleReminder(invitation: Invitation, token: string, at: Date, guard: ReservationGuard, deps: DispatchDeps): Promise<void> {
  const message = reminderEnvelope({ programId: invitation.programId, tokenHash: invitation.tokenHash, token, at: at.toISOString() });
  try {
    await deps.scheduler.schedule(reminderScheduleName(invitation.tokenHash), at, JSON.stringify(message));
  } catch (error) {
    await deps.invitations.release(invitation, guard);
    throw error;
  }
}

function skipped(event: SurveyEvent, program: SurveyProgram, reason: SkipReason, at: Date): DispatchOutcome {
  const detail = { programId: program.id, eventId: event.eventId, customerId: event.customer.id, reason, at: at.toISOString() };
  return { status: 'skipped', programId: program.id, eventId: event.eventId, reason, events: [surveySkipped(detail)] };
}

/** Records the decision (so a re-delivery gets the same one) and announces it. */
async function skip(event: SurveyEvent, program: SurveyProgram, reason: SkipReason, deps: DispatchDeps): Promise<DispatchOutcome> {
  const now = deps.now();
  if (reason !== 'duplicate') {
    const recorded = await deps.invitations.recordSkip({
      programId: program.id,
      eventId: event.eventId,
      customerId: event.customer.id,
      reason,
      at: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + deps.catalog.invitationTtlDays * DAY,
    });
    if (recorded === 'duplicate') return skipped(event, program, 'duplicate', now);
  }
  return skipped(event, program, reason, now);
}
