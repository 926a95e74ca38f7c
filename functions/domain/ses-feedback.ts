import * as z from 'zod/mini';
import { describeIssues, messageObject, type ParseResult } from './event.js';

/**
 * SES event publishing, as SES puts it on EventBridge (detail-type "Email Bounced" or "Email
 * Complaint"): the fields Closeloop needs, nothing more. Unknown fields are allowed.
 */
const recipient = z.object({ emailAddress: z.string().check(z.minLength(3), z.maxLength(320)) });
const tags = z.optional(z.record(z.string(), z.array(z.string())));
const mail = z.object({ messageId: z.string(), timestamp: z.optional(z.string()), tags });

const bounceDetail = z.object({
  eventType: z.literal('Bounce'),
  mail,
  bounce: z.object({
    /** Permanent (hard), Transient (soft) or Undetermined. */
    bounceType: z.string(),
    bounceSubType: z.optional(z.string()),
    bouncedRecipients: z.array(recipient).check(z.minLength(1)),
    timestamp: z.iso.datetime({ offset: true }),
    feedbackId: z.string().check(z.minLength(1)),
  }),
});

const complaintDetail = z.object({
  eventType: z.literal('Complaint'),
  mail,
  complaint: z.object({
    complainedRecipients: z.array(recipient).check(z.minLength(1)),
    timestamp: z.iso.datetime({ offset: true }),
    feedbackId: z.string().check(z.minLength(1)),
    complaintFeedbackType: z.optional(z.string()),
  }),
});

const envelope = z.object({ detail: z.discriminatedUnion('eventType', [bounceDetail, complaintDetail]) });

/** One bounce or complaint notification from SES, about one or more recipients of one email. */
export interface DeliverabilityFeedback {
  readonly type: 'bounce' | 'complaint';
  /** A hard bounce or a complaint: never email these recipients again. A soft bounce is only counted. */
  readonly permanent: boolean;
  /** e.g. "General", "NoEmail", "OnAccountSuppressionList", "abuse". */
  readonly subType?: string;
  readonly recipients: readonly string[];
  /** SES's id of this notification: the same notification delivered twice has the same id. */
  readonly feedbackId: string;
  /** ISO 8601: when the bounce or complaint happened. */
  readonly at: string;
  readonly messageId: string;
  /** From the message tags Closeloop put on the email (absent on mail Closeloop did not send). */
  readonly programId?: string;
  readonly surveyId?: string;
}

const firstTag = (values: Record<string, string[]> | undefined, name: string) => values?.[name]?.[0];

/** Parses an SES bounce or complaint event (the EventBridge event, or its JSON text). Never throws. */
export function parseDeliverabilityFeedback(input: unknown): ParseResult<DeliverabilityFeedback> {
  const raw = messageObject(input);
  if (!raw) return { ok: false, reason: 'the message body is not JSON' };
  const parsed = z.safeParse(envelope, raw.value);
  if (!parsed.success) return { ok: false, reason: `not an SES bounce or complaint event: ${describeIssues(parsed.error.issues)}` };
  const { detail } = parsed.data;
  const programId = firstTag(detail.mail.tags, 'program');
  const surveyId = firstTag(detail.mail.tags, 'survey');
  const common = { messageId: detail.mail.messageId, ...(programId ? { programId } : {}), ...(surveyId ? { surveyId } : {}) };
  if (detail.eventType === 'Bounce') {
    const { bounce } = detail;
    return {
      ok: true,
      value: {
        type: 'bounce',
        permanent: bounce.bounceType === 'Permanent',
        ...(bounce.bounceSubType ? { subType: bounce.bounceSubType } : {}),
        recipients: bounce.bouncedRecipients.map((r) => r.emailAddress),
        feedbackId: bounce.feedbackId,
        at: bounce.timestamp,
        ...common,
      },
    };
  }
  const { complaint } = detail;
  return {
    ok: true,
    value: {
      type: 'complaint',
      permanent: true,
      ...(complaint.complaintFeedbackType ? { subType: complaint.complaintFeedbackType } : {}),
      recipients: complaint.complainedRecipients.map((r) => r.emailAddress),
      feedbackId: complaint.feedbackId,
      at: complaint.timestamp,
      ...common,
    },
  };
}
