import * as z from 'zod/mini';
import { eventDetailSchema } from './event.js';
import { escalationSchema } from './follow-up-message.js';
import type { IntegrationEvent } from './integration-events.js';
import { CLASSIFICATIONS, SURVEY_KINDS } from './survey-kinds.js';

/**
 * The `detail` of each integration event Closeloop puts on its bus (`source: "closeloop"`), as zod
 * schemas: the JSON Schemas in schema/integration-events/, the schema registry and the AsyncAPI
 * document are generated from them, and tests check what the builders (integration-events.ts,
 * measure) produce against them. Not imported by the handlers: it would only grow their bundles.
 * Objects are open (a consumer must ignore a member it does not know: later versions may add some).
 */
const about = (description: string) => z.describe(description);
const id = z.string().check(z.minLength(1));
const instant = z.iso.datetime({ offset: true });
const kind = z.enum(SURVEY_KINDS);
const classification = z.enum(CLASSIFICATIONS);
const version = z.literal(1);
const SKIP_REASONS = ['throttled', 'suppressed', 'sampled-out', 'cancelled', 'rejected', 'duplicate', 'dry-run', 'disabled', 'event-id-reused'] as const;

const caseDetail = {
  version,
  caseId: id,
  programId: id,
  rule: id,
  queue: id,
  ownerTeam: id,
  customerId: id,
  score: z.int(),
  classification,
};

const threshold = z.object({
  version,
  programId: id,
  segment: z.string().check(about('The customer segment the rolling score is of ("*" for all).')),
  kind,
  threshold: z.number(),
  windowDays: z.int().check(z.positive()),
  responses: z.int().check(z.gte(0)),
  score: z.number(),
  lower: z.number().check(about('Lower bound of the credible interval of the score.')),
  upper: z.number(),
  at: instant,
});

export const INTEGRATION_EVENT_SCHEMAS = {
  SurveySent: z
    .object({ version, programId: id, eventId: id, surveyId: id, kind, customerId: id, locale: z.string(), sentAt: instant })
    .check(about('A survey email went out.')),
  SurveySkipped: z
    .object({ version, programId: id, eventId: id, customerId: id, reason: z.enum(SKIP_REASONS), at: instant })
    .check(about('An event started a program but no email went out, with the reason.')),
  SurveyResponded: z
    .object({
      version,
      programId: id,
      eventId: z.optional(id),
      surveyId: z.optional(id),
      kind,
      customerId: z.optional(id),
      score: z.int(),
      classification,
      topics: z.array(z.string()),
      revision: z.int().check(z.positive()),
      changed: z.boolean(),
      respondedAt: z.union([instant, z.iso.date()]).check(about('The instant; for eNPS only the day.')),
    })
    .check(about('An answer was recorded. Never for an eNPS program: its answers are anonymous, and an event would date and link them.')),
  FollowUpOpened: z
    .object({ ...caseDetail, acknowledgeBy: z.nullable(instant), dueAt: instant })
    .check(about('An answer matched a follow-up rule: a case opened on its queue.')),
  FollowUpEscalated: z.object({ ...caseDetail, escalation: escalationSchema }).check(about('A case missed a deadline and climbed a rung.')),
  FollowUpResolved: z
    .object({ ...caseDetail, rootCause: id, resolvedAt: instant, escalations: z.int().check(z.gte(0)) })
    .check(about('A team resolved a case, with its root cause.')),
  FollowUpCustomerReplied: z
    .object({
      ...caseDetail,
      status: z.enum(['open', 'acknowledged', 'escalated', 'resolved']).check(about("The case's status when the reply came (a reply does not change it).")),
      messageId: id.check(about("A hash of the reply's Message-ID: the same reply delivered twice has the same one (the event is sent at least once).")),
      repliedAt: instant,
      reply: z.optional(
        z
          .object({ from: z.string(), text: z.string() })
          .check(about('Who wrote and what (quotes and signature removed): only in a delivery to an integration with includePersonalData, never on the bus.')),
      ),
    })
    .check(about('A customer answered an email about their case (inbound mail); published only when events.publish or an integration names it.')),
  RecoverySurveyRequested: eventDetailSchema.check(
    about('A resolved case asks for a recovery survey: event contract v1 (it carries the customer, as any survey trigger does).'),
  ),
  ThresholdBreached: threshold.check(about("A program's rolling score is credibly below its alert threshold.")),
  ThresholdRecovered: threshold.check(about("A program's rolling score is no longer below its alert threshold.")),
  EventRejected: z
    .object({
      version,
      source: z.optional(id.check(z.maxLength(256), about("The rejected event's source."))),
      detailType: z.optional(id.check(z.maxLength(256), about("The rejected event's detail-type."))),
      eventId: z.optional(id.check(z.maxLength(256), about("The rejected event's detail.eventId, when it is a string of at most 256 characters."))),
      reason: id.check(z.maxLength(1000), about('The fields that broke the contract and what was expected; never their values.')),
      rejectedAt: instant,
    })
    .check(
      about("An event broke event contract v1 (it waits on Closeloop's dead-letter queue): what the producer needs to find and fix it, no personal data."),
    ),
} satisfies Record<IntegrationEvent['detailType'], z.ZodMiniType>;

export type IntegrationDetailType = keyof typeof INTEGRATION_EVENT_SCHEMAS;
export const INTEGRATION_DETAIL_TYPES = Object.keys(INTEGRATION_EVENT_SCHEMAS) as IntegrationDetailType[];
