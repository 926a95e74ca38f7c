import * as z from 'zod/mini';
import type { ResponseEvidence } from '../domain/evidence.js';
import type { FollowUpCase, FollowUpCaseRecord } from '../domain/follow-up-case.js';
import type { Invitation, SurveyResponse } from '../domain/invitation.js';
import { NOTIFICATION_KINDS, type Notification } from '../domain/notification.js';
import { CLASSIFICATIONS, SURVEY_KINDS } from '../domain/survey-kinds.js';

/**
 * The survey table's item codecs, beside its key shapes (table-keys.ts): how each item family is read
 * back. They check the stored shape (which members, of which types) and drop the key and index
 * attributes; what a value means (a date that parses, a queue the catalog declares) is the domain's
 * to judge, so an old or hand-edited item reaches the check that names its defect. A value of the
 * wrong type is a `CorruptItemError` naming the member, never a cast.
 */

/** An item that is not of its family's shape: `reason` names the first member at fault. */
export class CorruptItemError extends Error {
  constructor(
    readonly family: string,
    readonly reason: string,
  ) {
    super(`a stored ${family} is unreadable: ${reason}`);
    this.name = 'CorruptItemError';
  }
}

const text = z.string();
const optionalText = z.optional(z.string());

const customerShape = z.object({
  id: optionalText,
  email: optionalText,
  name: optionalText,
  locale: optionalText,
  segment: optionalText,
  tier: optionalText,
  timeZone: optionalText,
});
const context = z.record(z.string(), z.unknown());

const messageShape = z.object({
  version: z.literal(1),
  caseId: text,
  programId: text,
  kind: z.enum(SURVEY_KINDS),
  score: z.number(),
  classification: z.enum(CLASSIFICATIONS),
  comment: z.nullable(text),
  secondAnswer: z.nullable(text),
  topics: z.array(text),
  rule: text,
  queue: text,
  ownerTeam: text,
  customer: z.object({ ...customerShape.shape, id: text, email: text }),
  eventId: text,
  context,
  respondedAt: text,
  acknowledgeBy: z.nullable(text),
  dueAt: text,
  links: z.object({ case: text }),
  escalation: z.optional(z.object({ rung: z.number(), reason: z.enum(['not-acknowledged', 'not-resolved']), at: text, assignee: optionalText })),
}) satisfies z.ZodMiniType<FollowUpCase>;

const caseShape = z.object({
  message: messageShape,
  status: z.enum(['open', 'acknowledged', 'escalated', 'resolved']),
  rung: z.number(),
  escalateTo: z.array(text),
  recoverySurvey: z.boolean(),
  nextDeadline: z.optional(z.number()),
  rootCause: optionalText,
  note: optionalText,
  acknowledgedAt: optionalText,
  resolvedAt: optionalText,
  history: z.array(
    z.object({
      at: text,
      actor: text,
      action: z.enum(['opened', 'acknowledged', 'escalated', 'resolved', 'assigned', 'noted', 'replied', 'customer-replied']),
      note: optionalText,
      assignee: optionalText,
      reply: optionalText,
      rootCause: optionalText,
      rung: z.optional(z.number()),
      from: optionalText,
      text: optionalText,
      messageId: optionalText,
      dropped: z.optional(z.array(text)),
    }),
  ),
  contactKey: optionalText,
  expiresAt: z.optional(z.number()),
  erasedAt: optionalText,
  notifyOnResolve: z.optional(z.object({ locale: text })),
  reply: optionalText,
  assignee: optionalText,
  pauseWhileWaiting: z.optional(z.boolean()),
  waiting: z.optional(z.object({ since: text, nextDeadline: z.optional(z.number()) })),
  /** Set by the sweep on a case it cannot escalate (kept, shown by the case API). */
  setAsideReason: optionalText,
  setAsideAt: optionalText,
}) satisfies z.ZodMiniType<FollowUpCaseRecord>;

const previousAnswer = z.object({ score: z.number(), comment: optionalText, respondedAt: text });

const evidenceShape = z.object({
  clickedAt: optionalText,
  dwellMs: z.optional(z.number()),
  interaction: z.boolean(),
  confirmed: z.boolean(),
  automatedAgent: z.boolean(),
  script: z.enum(['none', 'ran', 'automated']),
  userActivated: z.optional(z.boolean()),
}) satisfies z.ZodMiniType<ResponseEvidence>;

const invitationShape = z.object({
  tokenHash: text,
  programId: text,
  kind: z.enum(SURVEY_KINDS),
  eventId: text,
  contactKey: text,
  locale: text,
  customer: customerShape,
  context: z.optional(context),
  createdAt: text,
  expiresAt: z.number(),
  score: z.optional(z.number()),
  comment: optionalText,
  secondAnswer: optionalText,
  respondedAt: optionalText,
  userAgent: optionalText,
  /** An answer stored without evidence keeps `{}`. */
  evidence: z.optional(z.union([evidenceShape, z.object({})])),
  revision: z.optional(z.number()),
  history: z.optional(z.array(previousAnswer)),
  reminderPlan: z.optional(z.enum(['scheduled', 'held-out'])),
  remindedAt: optionalText,
});

const notificationShape = z.object({
  caseId: text,
  kind: z.enum(NOTIFICATION_KINDS),
  programId: text,
  contactKey: text,
  locale: text,
  to: z.object({ email: text, name: optionalText, timeZone: optionalText }),
  deadline: optionalText,
  team: optionalText,
  reply: optionalText,
  replyId: optionalText,
  customerFrom: optionalText,
  createdAt: text,
  expiresAt: z.number(),
}) satisfies z.ZodMiniType<Notification>;

/** "rung: expected number", "kind: expected one of …": without zod's locale (not bundled), its own message is only "Invalid input". */
function describe(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'not an item';
  const at = issue.path.join('.') || '(item)';
  if (issue.code === 'invalid_type') return `${at}: expected ${issue.expected}`;
  if (issue.code === 'invalid_value') return `${at}: expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  return `${at}: ${issue.message}`;
}

function decoder<T>(family: string, shape: z.ZodMiniType<T>) {
  return (item: unknown): T => {
    const parsed = z.safeParse(shape, item);
    if (parsed.success) return parsed.data;
    throw new CorruptItemError(family, describe(parsed.error.issues[0]));
  };
}

const decodeCase = decoder('case', caseShape);
const decodeNotification = decoder('notification', notificationShape);
const decodeInvitationItem = decoder('invitation', invitationShape);

/** Evidence as the response stage keeps it, or the `{}` of an answer stored without any. */
const isEvidence = (evidence: ResponseEvidence | Record<string, never>): evidence is ResponseEvidence => 'script' in evidence;

/** A stored invitation as the domain knows it: the flat response members gathered into `response`. */
function decodeInvitation(item: unknown): Invitation {
  const stored = decodeInvitationItem(item);
  const response: SurveyResponse | undefined =
    stored.respondedAt !== undefined && stored.score !== undefined
      ? {
          score: stored.score,
          ...(stored.comment ? { comment: stored.comment } : {}),
          ...(stored.secondAnswer ? { secondAnswer: stored.secondAnswer } : {}),
          respondedAt: stored.respondedAt,
          ...(stored.userAgent ? { userAgent: stored.userAgent } : {}),
          ...(stored.evidence && isEvidence(stored.evidence) ? { evidence: stored.evidence } : {}),
          revision: stored.revision ?? 1,
          ...(stored.history?.length ? { history: stored.history } : {}),
        }
      : undefined;
  return {
    tokenHash: stored.tokenHash,
    programId: stored.programId,
    kind: stored.kind,
    eventId: stored.eventId,
    contactKey: stored.contactKey,
    locale: stored.locale,
    customer: stored.customer,
    context: stored.context ?? {},
    createdAt: stored.createdAt,
    expiresAt: stored.expiresAt,
    ...(response ? { response } : {}),
    ...(stored.reminderPlan ? { reminder: { plan: stored.reminderPlan, ...(stored.remindedAt ? { sentAt: stored.remindedAt } : {}) } } : {}),
  };
}

/** The `type` member every item of the table carries. */
export const itemType = (item: unknown): unknown => (typeof item === 'object' && item !== null && 'type' in item ? item.type : undefined);

/** Each item family's reader: the item (plain JavaScript, as lib-dynamodb and `unmarshall` give it) → the domain's value. */
export const items = {
  case: decodeCase,
  invitation: decodeInvitation,
  notification: decodeNotification,
};
