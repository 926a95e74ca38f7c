import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import {
  type AnnouncementFilter,
  AnnouncementRefusedError,
  announcementIdFor,
  InvalidAnnouncementError,
  parseAnnouncementMessages,
  UnknownAnnouncementProgramError,
} from '../domain/announcement.js';
import { describeIssues } from '../domain/event.js';
import { type AnnouncementPlan, type PlanDeps, planAnnouncement } from './announce.js';

/** The announcement request's body (also the OpenAPI document's, scripts/api-docs.ts). */
export const announcementRequestBodySchema = z.strictObject({
  programId: z.string().check(z.minLength(1)),
  /** Exactly one of topic and rootCause. */
  topic: z.optional(z.string().check(z.minLength(1))),
  rootCause: z.optional(z.string().check(z.minLength(1))),
  since: z.iso.datetime({ offset: true }),
  /** Locale tag → { subject, body } (the message file). */
  messages: z.record(z.string(), z.strictObject({ subject: z.string(), body: z.string() })),
  /** @default a hash of program, filter, date and messages */
  announcementId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/))),
  /** true: count per locale, queue nothing. */
  dryRun: z.optional(z.boolean()),
});

/**
 * POST /announcements (IAM-authorised): selects the respondents and queues one email each, or with
 * `dryRun` only counts them per locale. 400 names the field at fault; 404 an unknown program; 422
 * an eNPS program (never announced to).
 */
export async function handleAnnouncementRequest(
  event: APIGatewayProxyEventV2,
  deps: PlanDeps,
  audit: (actor: string, plan: AnnouncementPlan) => void,
): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  if (event.routeKey !== 'POST /announcements') return json(404, { message: 'Not Found' });
  const raw = jsonBody(event);
  if (raw === undefined) return json(400, { message: 'the body is not JSON' });
  const parsed = z.safeParse(announcementRequestBodySchema, raw);
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
  const body = parsed.data;
  if ((body.topic === undefined) === (body.rootCause === undefined)) return json(400, { message: 'topic, rootCause: give exactly one of them' });
  const filter: AnnouncementFilter = body.topic !== undefined ? { topic: body.topic } : { rootCause: body.rootCause as string };
  try {
    const messages = parseAnnouncementMessages(body.messages, 'messages');
    const announcementId = body.announcementId ?? announcementIdFor(body.programId, filter, body.since, JSON.stringify(messages));
    const plan = await planAnnouncement({ programId: body.programId, filter, since: body.since, messages, announcementId }, body.dryRun === true, deps);
    audit(actor, plan);
    return json(200, plan);
  } catch (error) {
    if (error instanceof UnknownAnnouncementProgramError) return json(404, { message: error.message });
    if (error instanceof AnnouncementRefusedError) return json(422, { message: error.message });
    if (error instanceof InvalidAnnouncementError) return json(400, { message: error.message });
    throw error;
  }
}
