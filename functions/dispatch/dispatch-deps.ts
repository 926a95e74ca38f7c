import type { IntegrationEvent } from '../domain/integration-events.js';
import type { Catalog, SurveyProgram } from '../domain/program.js';
import type { ReminderSkipReason } from '../domain/reminder.js';
import type { ContactRepository, DeadLetterSink, InvitationRepository, ReminderRepository, SkipReason, SurveyMailer, SurveyScheduler } from '../ports.js';

/** What dispatch (surveys and their reminders) is given, and what it returns: shared by dispatch.ts and reminder.ts. */
export interface DispatchDeps {
  readonly catalog: Catalog;
  readonly invitations: InvitationRepository;
  readonly contacts: ContactRepository;
  readonly mailer: SurveyMailer;
  readonly scheduler: SurveyScheduler;
  /** The reminders' claims and marks. @default absent: a due reminder fails (the handler always gives it) */
  readonly reminders?: ReminderRepository;
  readonly deadLetters: DeadLetterSink;
  readonly publicBaseUrl: string;
  readonly now: () => Date;
  readonly newToken: () => string;
  /**
   * How long a reservation is held for its send (config/resources.ts `DISPATCH_LEASE_SECONDS`):
   * a redelivery finding it unsent sends in its place only after it.
   */
  readonly leaseSeconds: number;
}

/** A redelivered event whose survey another delivery reserved and may still be sending (the send ledger's one error). */
export { SendInProgressError } from '../send-ledger.js';

export type DispatchOutcome =
  /**
   * `resent`: sent by a redelivery for a delivery that reserved it and died before marking it.
   * `marked: false`: the mark after the send failed; a later delivery of this event would send again.
   */
  | {
      status: 'sent';
      programId: string;
      eventId: string;
      messageId: string;
      marked: boolean;
      resent?: true;
      /** The program's reminder for this survey: scheduled, or held out (the control group). */
      reminder?: 'scheduled' | 'held-out';
      events: IntegrationEvent[];
    }
  | { status: 'scheduled'; programId: string; eventId: string; at: string; events: IntegrationEvent[] }
  | { status: 'skipped'; programId: string; eventId: string; reason: SkipReason; events: IntegrationEvent[] }
  | { status: 'not-in-audience'; programId: string; eventId: string; events: IntegrationEvent[] }
  | { status: 'cancelled-pending'; programId: string; eventId: string; events: IntegrationEvent[] }
  | { status: 'rejected'; reason: string; events: IntegrationEvent[] }
  /** A reminder (reminder.ts): sent, not sent and why, or put off to the end of quiet hours. */
  | { status: 'reminded'; programId: string; tokenHash: string; messageId: string; marked: boolean; events: IntegrationEvent[] }
  | { status: 'reminder-skipped'; programId: string; tokenHash: string; reason: ReminderSkipReason; events: IntegrationEvent[] }
  | { status: 'reminder-deferred'; programId: string; tokenHash: string; at: string; events: IntegrationEvent[] };

/** A survey due within this margin is sent now rather than scheduled (the scheduler's own granularity is a minute). */
export const SCHEDULE_MARGIN_MS = 60_000;

/** `${programId}#${matchValue}` of a program that can be cancelled, from the event's (or invitation's) context. */
export const cancelKeyOf = (program: SurveyProgram, context: Readonly<Record<string, unknown>>): string | undefined => {
  if (!program.cancel) return undefined;
  const value = context[program.cancel.matchOn];
  return value === undefined || value === null || typeof value === 'object' ? undefined : `${program.id}#${String(value)}`;
};
