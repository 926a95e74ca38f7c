import * as z from 'zod/mini';
import { MAX_COMMENT_LENGTH } from './invitation.js';
import { CLASSIFICATIONS, SURVEY_KINDS } from './survey-kinds.js';

/**
 * Follow-up message contract v1: the body of every message on a follow-up queue (message attribute
 * `contract` = `closeloop.follow-up.v1`), one per case; an escalation repeats the case with an
 * `escalation` member on the next rung's queue. Strict: a consumer may reject an unknown member.
 * schema/follow-up-message.schema.json is generated from it (npm run schemas); tests check real
 * messages (domain/follow-up-case.ts builds them) against both.
 */
const about = (description: string) => z.describe(description);
const instant = z.iso.datetime({ offset: true });

export const escalationSchema = z.strictObject({
  rung: z.int().check(z.gte(1), about('The rung of the escalation ladder (1 = the first queue of escalateTo).')),
  reason: z.enum(['not-acknowledged', 'not-resolved']),
  at: instant,
  assignee: z.optional(z.string().check(about('Who the case is assigned to (POST /cases/{caseId}/assign), when someone is.'))),
});

export const followUpMessageSchema = z
  .strictObject({
    version: z.literal(1),
    caseId: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/), about('Stable for one response and rule: de-duplicate on it.')),
    programId: z.string(),
    kind: z.enum(SURVEY_KINDS),
    score: z.int().check(z.gte(0), z.lte(10)),
    classification: z.enum(CLASSIFICATIONS),
    comment: z.nullable(z.string().check(z.maxLength(MAX_COMMENT_LENGTH), about('Plain text as typed; never render it as HTML.'))),
    secondAnswer: z.nullable(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
    topics: z.array(z.string()).check(about("Topics of the comment found by the catalog's keyword taxonomy.")),
    rule: z.string(),
    queue: z.string().check(about('The queue this message is on.')),
    ownerTeam: z.string(),
    customer: z.strictObject({
      id: z.string(),
      email: z.email(),
      name: z.optional(z.string()),
      locale: z.optional(z.string()),
      segment: z.optional(z.string()),
      tier: z.optional(z.string()),
      timeZone: z.optional(z.string()),
    }),
    eventId: z.string().check(about('The business event the survey followed.')),
    context: z.record(z.string(), z.unknown()).check(about("The event's free-form context, e.g. orderId.")),
    respondedAt: instant,
    acknowledgeBy: z.nullable(instant).check(about('Acknowledge by then, or the case escalates.')),
    dueAt: instant.check(about('Resolve by then, or the case escalates.')),
    links: z.strictObject({ case: z.url().check(about('The case in the case API (IAM-authorised).')) }),
    escalation: z.optional(escalationSchema),
  })
  .check(
    about(
      "The body of every message on a Closeloop follow-up queue (message attribute contract = closeloop.follow-up.v1). One message per case; an escalation repeats the case with an `escalation` member on the next rung's queue.",
    ),
  );
