/**
 * The machine-readable API documents, generated from the code (npm run schemas): OpenAPI 3.1 for the
 * HTTP API (docs/openapi.json) and AsyncAPI 3.0 for the bus and the follow-up queues
 * (docs/asyncapi.json). Bodies come from the zod schemas; tests check the routes against the stack.
 */
import * as z from 'zod/mini';
import { announcementRequestBodySchema } from '../functions/announce/http.js';
import { assignRequestBodySchema, caseRequestBodySchema } from '../functions/cases/http.js';
import { CASE_STATUSES, DEFAULT_INBOX_STATUSES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../functions/cases/inbox.js';
import { eventContractJsonSchema, followUpMessageJsonSchema, integrationEventJsonSchema, type JsonSchema } from '../functions/config/contracts.js';
import { packageVersion } from '../functions/config/package-info.js';
import { replayRequestBodySchema } from '../functions/deliver/http.js';
import { digestSendBodySchema } from '../functions/digest/http.js';
import { followUpMessageSchema } from '../functions/domain/follow-up-message.js';
import { INTEGRATION_DETAIL_TYPES, type IntegrationDetailType } from '../functions/domain/integration-event-schemas.js';
import { INTEGRATION_SOURCE } from '../functions/domain/integration-events.js';
import { DELIVERED_FIELDS, RECOVERY_CONTEXT } from '../functions/domain/integrations.js';
import { type Catalog, triggersOf } from '../functions/domain/program.js';
import { erasureReportSchema, erasureRequestBodySchema } from '../functions/erase/http.js';
import { inboundBodySchema } from '../functions/hooks/http.js';

const jsonSchema = (schema: z.ZodMiniType): JsonSchema => {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return rest;
};
const bare = (schema: JsonSchema): JsonSchema => {
  const { $schema: _draft, $id: _id, ...rest } = schema;
  return rest;
};

/** What the case API answers: the case as stored (its follow-up message and its life since). */
const caseRecordSchema = z.object({
  message: followUpMessageSchema,
  status: z.enum(['open', 'acknowledged', 'escalated', 'resolved']),
  rung: z.int().check(z.gte(0)),
  escalateTo: z.array(z.string()),
  recoverySurvey: z.boolean(),
  rootCause: z.optional(z.string()),
  note: z.optional(z.string()),
  acknowledgedAt: z.optional(z.string()),
  resolvedAt: z.optional(z.string()),
  assignee: z.optional(z.string()),
  waiting: z.optional(
    z
      .object({ since: z.string(), nextDeadline: z.optional(z.int()) })
      .check(z.describe("Waiting for the customer's answer since then (pauseWhileWaitingForCustomer): no escalation meanwhile.")),
  ),
  history: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      action: z.enum(['opened', 'acknowledged', 'escalated', 'resolved', 'assigned', 'noted', 'replied', 'customer-replied']),
      note: z.optional(z.string()),
      reply: z.optional(z.string().check(z.describe('What the team wrote to the customer (replied, resolved).'))),
      rootCause: z.optional(z.string()),
      rung: z.optional(z.int()),
      assignee: z.optional(z.string()),
      from: z.optional(z.string().check(z.describe("customer-replied: the reply's sender (removed on erasure)."))),
      text: z.optional(z.string().check(z.describe('customer-replied: what the customer wrote, quotes and signature removed (removed on erasure).'))),
      messageId: z.optional(z.string()),
      dropped: z.optional(z.array(z.string())),
    }),
  ),
});
/** A line of the inbox (functions/cases/inbox.ts CaseSummary): no personal data. */
const caseSummarySchema = z.object({
  caseId: z.string(),
  status: z.enum(CASE_STATUSES as ['open', 'acknowledged', 'escalated', 'resolved']),
  queue: z.string(),
  programId: z.string(),
  rule: z.string(),
  score: z.int(),
  classification: z.string(),
  topics: z.array(z.string()),
  respondedAt: z.string(),
  acknowledgeBy: z.nullable(z.string()),
  dueAt: z.string(),
  overdue: z.boolean(),
  waitingForCustomer: z.boolean().check(z.describe("After a team reply, until the customer's answer (pauseWhileWaitingForCustomer): never overdue meanwhile.")),
  customerReplied: z.boolean().check(z.describe('The customer wrote back by email (inbound) and nobody has acted on the case since.')),
  rung: z.int().check(z.gte(0)),
  assignee: z.nullable(z.string()),
  links: z.object({ case: z.string() }),
});
const casePageSchema = z.object({
  items: z.array(caseSummarySchema),
  cursor: z.nullable(z.string().check(z.describe('Pass it as `cursor` for the next page; null on the last page.'))),
});
const errorSchema = z.object({ message: z.string() });

/** The HTTP API's routes, as the stack creates them (a test compares them with the synthesized template). */
export function openApiDocument(): JsonSchema {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const jsonContent = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
  const error = (description: string) => ({ description, ...jsonContent('Error') });
  const iamErrors = { '403': error('No valid IAM (SigV4) signature, or the caller may not call this route'), '404': error('No such case') };
  const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
  const token = { name: 'token', in: 'path', required: true, description: 'The link token from the survey email.', schema: { type: 'string' } };
  const caseId = { name: 'caseId', in: 'path', required: true, description: 'The case id (caseId of the follow-up message).', schema: { type: 'string' } };
  const page = (summary: string, form: JsonSchema, queryScore: boolean) => {
    const read = {
      summary,
      ...(queryScore
        ? { parameters: [{ name: 's', in: 'query', required: false, description: 'The score clicked in the email.', schema: { type: 'string' } }] }
        : {}),
      responses: { '200': html('The page'), '404': html('Unknown or expired link') },
    };
    return {
      parameters: [token],
      get: { ...read, operationId: `${queryScore ? 'rating' : 'unsubscribe'}Page` },
      head: { ...read, operationId: `${queryScore ? 'rating' : 'unsubscribe'}PageHead` },
      post: {
        operationId: queryScore ? 'submitRating' : 'unsubscribe',
        summary: `${summary}: the form's answer`,
        requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: form } } },
        responses: { '200': html('Thanks, or the page again with what to correct'), '404': html('Unknown or expired link'), '413': html('Body too large') },
      },
    };
  };
  const evidence = {
    t: { type: 'string', description: 'The page stamp (a person loaded the page)' },
    h: { type: 'string', description: 'Interaction evidence' },
    j: { type: 'string', description: 'Script evidence' },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Closeloop HTTP API',
      version: packageVersion(),
      description:
        'The rating and unsubscribe pages (public, linked from survey emails), the IAM-authorised case, erasure and replay routes, and the inbound hooks (Standard Webhooks signed). Generated from the code by `npm run schemas`; the base URL is the stack output ApiUrl.',
    },
    servers: [{ url: '{apiUrl}', variables: { apiUrl: { default: 'https://example.execute-api.eu-west-1.amazonaws.com', description: 'The ApiUrl output' } } }],
    paths: {
      '/r/{token}': page(
        'The rating page',
        { type: 'object', properties: { score: { type: 'string' }, comment: { type: 'string' }, answer2: { type: 'string' }, ...evidence } },
        true,
      ),
      '/u/{token}': page(
        'The unsubscribe page (also RFC 8058 one-click: List-Unsubscribe=One-Click)',
        { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' }, ...evidence } },
        false,
      ),
      '/cases': {
        get: {
          operationId: 'listCases',
          summary: 'The case inbox: cases by queue and status, oldest due first, a page at a time (index queries, never a scan)',
          security: [{ sigv4: [] }],
          parameters: [
            {
              name: 'queue',
              in: 'query',
              required: false,
              description: 'One follow-up queue of the catalog (default: every queue).',
              schema: { type: 'string' },
            },
            {
              name: 'status',
              in: 'query',
              required: false,
              description: `Comma-separated statuses (${CASE_STATUSES.join(', ')}); default ${DEFAULT_INBOX_STATUSES.join(',')}.`,
              schema: { type: 'string' },
            },
            {
              name: 'overdue',
              in: 'query',
              required: false,
              description: 'true: only cases past their resolve-by time.',
              schema: { type: 'string', enum: ['true', 'false'] },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: `Cases per page, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.`,
              schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
            },
            {
              name: 'cursor',
              in: 'query',
              required: false,
              description: "The previous page's cursor (opaque, tamper-checked, valid for the same filter only).",
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': { description: 'A page of cases', ...jsonContent('CasePage') },
            '400': error('An unknown or invalid parameter, named in the message (a changed or foreign cursor too)'),
            '403': iamErrors['403'],
          },
        },
      },
      '/cases/{caseId}/assign': {
        parameters: [caseId],
        post: {
          operationId: 'assignCase',
          summary: 'Assign a case to someone (recorded in its history, named in its escalations)',
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('AssignRequest') },
          responses: {
            '200': { description: 'The case', ...jsonContent('Case') },
            '400': error('Bad body'),
            ...iamErrors,
            '409': error('Resolved, or already assigned to them'),
          },
        },
      },
      '/hooks/{integrationId}': {
        parameters: [
          {
            name: 'integrationId',
            in: 'path',
            required: true,
            description: 'A webhook integration of the catalog (not `inbound: false`)',
            schema: { type: 'string' },
          },
        ],
        post: {
          operationId: 'inboundHook',
          summary: "A helpdesk acknowledges or resolves a case: a Standard Webhooks request signed with the integration's secret (docs/integrations.md)",
          security: [{ standardWebhooks: [] }],
          requestBody: { required: true, ...jsonContent('InboundHook') },
          responses: {
            '200': { description: 'The case, moved', ...jsonContent('Case') },
            '400': error('Bad body'),
            '401': error(
              'Unsigned, wrongly signed, a timestamp more than 5 minutes off, a webhook-id seen before, or no such inbound integration: nothing changed',
            ),
            '404': error('No such case'),
            '409': error('Not in a state for this transition'),
          },
        },
      },
      '/cases/{caseId}': {
        parameters: [caseId],
        get: {
          operationId: 'getCase',
          summary: 'A follow-up case',
          security: [{ sigv4: [] }],
          responses: { '200': { description: 'The case', ...jsonContent('Case') }, ...iamErrors },
        },
      },
      '/cases/{caseId}/acknowledge': {
        parameters: [caseId],
        post: {
          operationId: 'acknowledgeCase',
          summary: 'Acknowledge a case (stops the acknowledgement deadline)',
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('CaseRequest') },
          responses: {
            '200': { description: 'The case', ...jsonContent('Case') },
            '400': error('Bad body'),
            ...iamErrors,
            '409': error('Not in a state to acknowledge'),
          },
        },
      },
      '/cases/{caseId}/resolve': {
        parameters: [caseId],
        post: {
          operationId: 'resolveCase',
          summary: "Resolve a case with a root cause from the catalog's rootCauses",
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('CaseRequest') },
          responses: {
            '200': { description: 'The case', ...jsonContent('Case') },
            '400': error('Bad body, or no rootCause'),
            ...iamErrors,
            '409': error('Already resolved'),
          },
        },
      },
      '/erasures': {
        post: {
          operationId: 'erase',
          summary: "Erase a person's data and suppress the address (right to erasure); idempotent",
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('ErasureRequest') },
          responses: { '200': { description: 'What was erased', ...jsonContent('ErasureReport') }, '400': error('Bad body'), '403': iamErrors['403'] },
        },
      },
      '/integrations/{integrationId}/replay': {
        parameters: [{ name: 'integrationId', in: 'path', required: true, description: "An integration's id in the catalog", schema: { type: 'string' } }],
        post: {
          operationId: 'replayDeliveries',
          summary: 'Put every event delivered to the integration since a time back on its queue, with the same webhook-ids (docs/integrations.md)',
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('ReplayRequest') },
          responses: {
            '200': {
              description: 'What was replayed',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['integrationId', 'since', 'replayed', 'webhookIds'],
                    properties: {
                      integrationId: { type: 'string' },
                      since: { type: 'string', format: 'date-time' },
                      replayed: { type: 'integer', minimum: 0 },
                      webhookIds: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
            '400': error('Bad body'),
            '403': iamErrors['403'],
            '404': error('No such integration'),
          },
        },
      },
      '/announcements': {
        post: {
          operationId: 'announce',
          summary:
            '"You said, we did": email every respondent of a program since a date whose answer carried a topic (or whose case got a root cause), once per announcementId; dryRun counts per locale (docs/announcements.md)',
          security: [{ sigv4: [] }],
          requestBody: { required: true, ...jsonContent('AnnouncementRequest') },
          responses: {
            '200': { description: 'Who is (or, in a dry run, would be) emailed, per locale', ...jsonContent('AnnouncementPlan') },
            '400': error('Bad body: a field, the messages, an unknown topic or root cause, no wording for the default locale'),
            '403': iamErrors['403'],
            '404': error('No such program'),
            '422': error('An eNPS program: never announced to (anonymity)'),
          },
        },
      },
      '/digests/{digestId}/send': {
        parameters: [{ name: 'digestId', in: 'path', required: true, description: "A digest's id in the catalog", schema: { type: 'string' } }],
        post: {
          operationId: 'sendDigest',
          summary: "Send a digest's week now, to each recipient not yet sent that week (docs/digests.md)",
          security: [{ sigv4: [] }],
          requestBody: { required: false, ...jsonContent('DigestSendRequest') },
          responses: {
            '200': {
              description: 'Each recipient: sent now, already-sent (an earlier send of the week), skipped or rejected (with the reason)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['digestId', 'week', 'recipients'],
                    properties: {
                      digestId: { type: 'string' },
                      week: {
                        type: 'object',
                        required: ['from', 'to'],
                        properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } },
                      },
                      recipients: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['to', 'status'],
                          properties: {
                            to: { type: 'string' },
                            status: { enum: ['sent', 'already-sent', 'skipped', 'rejected'] },
                            reason: { type: 'string' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            '400': error('Bad body'),
            '403': iamErrors['403'],
            '404': error('No such digest'),
            '502': error('Not sent to some recipient for now (the others were); sending again sends only to it'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service execute-api) by a principal allowed execute-api:Invoke on the route: the HTTP API IAM authorizer.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        standardWebhooks: {
          type: 'apiKey',
          name: 'webhook-signature',
          in: 'header',
          description:
            "Standard Webhooks (standardwebhooks.com): headers webhook-id, webhook-timestamp (within 5 minutes) and webhook-signature `v1,<base64 HMAC-SHA256 of id.timestamp.body>` keyed with the integration's whsec_ secret; each webhook-id is accepted once.",
        },
      },
      schemas: {
        CaseRequest: {
          ...jsonSchema(caseRequestBodySchema),
          description:
            'acknowledge: `{ note? }`; resolve: `{ rootCause, note?, reply? }` (the reply is emailed to the respondent when the rule notifies; the note never is)',
        },
        Case: jsonSchema(caseRecordSchema),
        AssignRequest: jsonSchema(assignRequestBodySchema),
        CasePage: jsonSchema(casePageSchema),
        InboundHook: {
          ...jsonSchema(inboundBodySchema),
          description: 'case.acknowledge: `data: { caseId, note? }`; case.resolve: `data: { caseId, rootCause, note?, reply? }`, as the case API takes them',
        },
        ErasureRequest: jsonSchema(erasureRequestBodySchema),
        ErasureReport: jsonSchema(erasureReportSchema),
        ReplayRequest: jsonSchema(replayRequestBodySchema),
        AnnouncementRequest: {
          ...jsonSchema(announcementRequestBodySchema),
          description:
            "Exactly one of topic and rootCause; messages: locale tag → { subject, body } (plain text, {name} and {brand} filled), holding the program's defaultLocale",
        },
        AnnouncementPlan: {
          type: 'object',
          required: ['announcementId', 'programId', 'dryRun', 'matched', 'recipients', 'byLocale', 'skipped'],
          properties: {
            announcementId: { type: 'string' },
            programId: { type: 'string' },
            dryRun: { type: 'boolean' },
            matched: { type: 'integer', minimum: 0, description: 'People whose answer matched (one per person)' },
            recipients: { type: 'integer', minimum: 0, description: 'Emails queued (in a dry run: that would be)' },
            byLocale: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
            skipped: {
              type: 'object',
              required: ['suppressed', 'alreadyAnnounced'],
              properties: { suppressed: { type: 'integer', minimum: 0 }, alreadyAnnounced: { type: 'integer', minimum: 0 } },
            },
          },
        },
        DigestSendRequest: jsonSchema(digestSendBodySchema),
        Error: jsonSchema(errorSchema),
      },
    },
  };
}

/** An integration event's detail as delivered: the schema's properties the allow-list keeps (DELIVERED_FIELDS), and a recovery request's reduced context. */
function deliveredDetailSchema(detailType: IntegrationDetailType): JsonSchema {
  const detail = (integrationEventJsonSchema(detailType).properties as Record<string, JsonSchema>).detail as JsonSchema;
  const kept = DELIVERED_FIELDS[detailType];
  const properties = Object.fromEntries(Object.entries((detail.properties ?? {}) as Record<string, JsonSchema>).filter(([name]) => kept.includes(name)));
  const required = ((detail.required ?? []) as string[]).filter((name) => kept.includes(name));
  if (detailType === 'RecoverySurveyRequested') {
    properties.context = { type: 'object', properties: { caseId: { type: 'string' }, programId: { type: 'string' } }, required: [...RECOVERY_CONTEXT] };
    required.push('context');
  }
  return { type: 'object', ...(detail.description ? { description: detail.description } : {}), properties, required };
}

/** What goes on the bus and the follow-up queues, for the catalog (the repository's demo catalog in docs/asyncapi.json). */
export function asyncApiDocument(catalog: Catalog): JsonSchema {
  const messages: Record<string, JsonSchema> = {};
  const receive: JsonSchema[] = [];
  for (const trigger of triggersOf(catalog).filter((t) => t.source !== INTEGRATION_SOURCE)) {
    const name = `${trigger.detailType}`;
    messages[name] = {
      name,
      title: `${trigger.detailType} from ${trigger.source}`,
      summary: 'Event contract v1: starts or cancels a survey program',
      contentType: 'application/json',
      payload: bare(eventContractJsonSchema(trigger)),
    };
    receive.push({ $ref: `#/channels/bus/messages/${name}` });
  }
  const send: JsonSchema[] = [];
  for (const detailType of INTEGRATION_DETAIL_TYPES) {
    messages[detailType] = {
      name: detailType,
      title: `${detailType} (integration event)`,
      contentType: 'application/json',
      payload: bare(integrationEventJsonSchema(detailType)),
    };
    send.push({ $ref: `#/channels/bus/messages/${detailType}` });
  }
  // What a webhook integration is POSTed: the Standard Webhooks body, its `data` the allow-listed detail.
  const webhookMessages: Record<string, JsonSchema> = {};
  for (const detailType of INTEGRATION_DETAIL_TYPES) {
    webhookMessages[`Webhook${detailType}`] = {
      name: `Webhook${detailType}`,
      title: `${detailType} as a webhook integration receives it`,
      contentType: 'application/json',
      headers: {
        type: 'object',
        description: 'Standard Webhooks headers',
        properties: { 'webhook-id': { type: 'string' }, 'webhook-timestamp': { type: 'string' }, 'webhook-signature': { type: 'string' } },
      },
      payload: {
        type: 'object',
        required: ['type', 'timestamp', 'data'],
        properties: { type: { const: detailType }, timestamp: { type: 'string', format: 'date-time' }, data: deliveredDetailSchema(detailType) },
      },
    };
  }
  const followUp = {
    name: 'FollowUpMessage',
    title: 'Follow-up message v1',
    contentType: 'application/json',
    headers: {
      type: 'object',
      description: 'SQS message attributes',
      properties: { caseId: { type: 'string' }, programId: { type: 'string' }, contract: { const: 'closeloop.follow-up.v1' } },
    },
    payload: bare(followUpMessageJsonSchema()),
  };
  const channels: Record<string, JsonSchema> = {
    bus: {
      address: 'Closeloop event bus (EventBusName / EventBusArn outputs)',
      description: 'EventBridge bus: business events in (event contract v1), integration events out (source "closeloop").',
      messages,
    },
    webhooks: {
      address: "Each webhook integration's url",
      description:
        'What a webhook integration receives, signed (Standard Webhooks): the detail-types its `on` lists, each detail reduced to the fields its schema names without customerId, customer and context (a recovery request keeps context.caseId and context.programId). includePersonalData adds customerId / customer; shareContext the context keys it names.',
      messages: webhookMessages,
    },
  };
  const operations: Record<string, JsonSchema> = {
    receiveBusinessEvents: { action: 'receive', channel: { $ref: '#/channels/bus' }, summary: 'Producers put business events (PutEvents)', messages: receive },
    sendIntegrationEvents: { action: 'send', channel: { $ref: '#/channels/bus' }, summary: 'Closeloop announces what happened', messages: send },
    deliverWebhooks: {
      action: 'send',
      channel: { $ref: '#/channels/webhooks' },
      summary: 'The deliver stage POSTs each integration its events, filtered',
      messages: INTEGRATION_DETAIL_TYPES.map((detailType) => ({ $ref: `#/channels/webhooks/messages/Webhook${detailType}` })),
    },
  };
  for (const queue of Object.keys(catalog.followUpQueues)) {
    const id = `followUp_${queue.replace(/[^A-Za-z0-9]/g, '_')}`;
    channels[id] = {
      address: queue,
      description: `SQS follow-up queue "${queue}" (output FollowUpQueueUrl${queue.replace(/[^A-Za-z0-9]/g, '')})`,
      messages: { FollowUpMessage: followUp },
    };
    operations[`send_${id}`] = { action: 'send', channel: { $ref: `#/channels/${id}` }, messages: [{ $ref: `#/channels/${id}/messages/FollowUpMessage` }] };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Closeloop events and follow-up queues',
      version: packageVersion(),
      description: "Generated from the code by `npm run schemas`, for the catalog in closeloop.yaml: an adopter's own catalog has its own triggers and queues.",
    },
    channels,
    operations,
  };
}
