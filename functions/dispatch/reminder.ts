import { nextSendTime } from '../domain/policies.js';
import { findProgram, type SurveyProgram } from '../domain/program.js';
import { type ReminderMessage, type ReminderSkipReason, reminderBlocked, reminderEnvelope, reminderScheduleName } from '../domain/reminder.js';
import { hashToken } from '../domain/tokens.js';
import type { ReservationGuard } from '../ports.js';
import { sendClaimed } from '../send-ledger.js';
import { cancelKeyOf, type DispatchDeps, type DispatchOutcome, SCHEDULE_MARGIN_MS, SendInProgressError } from './dispatch-deps.js';
import { renderSurveyEmail } from './survey-email.js';

const skipped = (message: ReminderMessage, reason: ReminderSkipReason): DispatchOutcome => ({
  status: 'reminder-skipped',
  programId: message.programId,
  tokenHash: message.tokenHash,
  reason,
  events: [],
});

const remindable = (program: SurveyProgram | undefined): program is SurveyProgram =>
  program?.enabled === true && !program.dryRun && program.reminder !== undefined;

/**
 * A reminder's schedule fired: send the same link once more, unless — checked now, at fire time —
 * the invitation was answered, erased, rejected or has expired, the contact is suppressed
 * (unsubscribed, bounced, complained, erased), the survey was cancelled, the person is in the
 * control group, or the reminder went out before (a redelivered message). The claim and these
 * checks are one conditional write; a transient failure after it frees the claim and throws, so
 * the queue retries. A reminder takes no rest period. A late delivery that lands in the
 * recipient's quiet hours is put off to the morning.
 */
export async function sendReminder(message: ReminderMessage, deps: DispatchDeps): Promise<DispatchOutcome> {
  if (hashToken(message.token) !== message.tokenHash) {
    const reason = `reminder of ${message.tokenHash}: its token does not belong to the invitation`;
    await deps.deadLetters.reject(JSON.stringify({ closeloopReminder: { programId: message.programId, tokenHash: message.tokenHash } }), reason);
    return { status: 'rejected', reason, events: [] };
  }
  const program = findProgram(deps.catalog, message.programId);
  if (!remindable(program)) return skipped(message, 'not-planned');
  const { reminders } = deps;
  if (!reminders) throw new Error('dispatch: a reminder is due but no reminder repository is configured');
  const now = deps.now();
  const invitation = await deps.invitations.findByTokenHash(message.tokenHash);
  const blocked = reminderBlocked(invitation, now);
  if (blocked || !invitation) return skipped(message, blocked ?? 'gone');

  // On time, the schedule's time was chosen outside quiet hours; a late delivery is checked again.
  if (now.getTime() - Date.parse(message.at) > SCHEDULE_MARGIN_MS) {
    const at = nextSendTime(now, invitation.customer.timeZone, deps.catalog.quietHours);
    if (at.getTime() - now.getTime() > SCHEDULE_MARGIN_MS) {
      if (at.getTime() >= invitation.expiresAt * 1000) return skipped(message, 'expired');
      const envelope = reminderEnvelope({ ...message, at: at.toISOString() });
      await deps.scheduler.schedule(reminderScheduleName(message.tokenHash, at), at, JSON.stringify(envelope));
      return { status: 'reminder-deferred', programId: program.id, tokenHash: message.tokenHash, at: at.toISOString(), events: [] };
    }
  }

  const nowSeconds = Math.floor(now.getTime() / 1000);
  const guard: ReservationGuard = { contactKey: invitation.contactKey, rests: [], cancelKey: cancelKeyOf(program, invitation.context), now: nowSeconds };
  const claim = await reminders.claimReminder(message.tokenHash, guard, nowSeconds + deps.leaseSeconds);
  if (claim === 'held') throw new SendInProgressError(`the reminder of ${message.tokenHash} is being sent by another delivery`);
  if (claim !== 'claimed') return skipped(message, claim);

  const email = renderSurveyEmail(
    invitation,
    program,
    message.token,
    { brand: deps.catalog.brand, locales: deps.catalog.locales, publicBaseUrl: deps.publicBaseUrl },
    { reminder: true },
  );
  const sent = await sendClaimed(
    {
      markSent: (at) => reminders.markReminded(message.tokenHash, at),
      release: () => reminders.releaseReminder(message.tokenHash),
      reject: (at) => deps.contacts.suppress(invitation.contactKey, 'rejected', at),
    },
    () => deps.mailer.send(email),
    deps.now,
  );
  if (sent.status === 'skipped') return skipped(message, 'rejected');
  return { status: 'reminded', programId: program.id, tokenHash: message.tokenHash, messageId: sent.messageId, marked: sent.marked, events: [] };
}
