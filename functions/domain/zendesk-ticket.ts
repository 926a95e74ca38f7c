/**
 * Zendesk tickets for Closeloop's cases (Zendesk Ticketing API v2): one ticket per case, found
 * again by `external_id` = the case id; the case's escalations and its resolution become private
 * comments on it. Everything here is pure: the requests' URLs and bodies, the secret's reading,
 * and the reading of Zendesk's answers.
 */

/** The detail-types a Zendesk integration takes: a case's opening, escalations and resolution. */
export const ZENDESK_EVENT_TYPES = ['FollowUpOpened', 'FollowUpEscalated', 'FollowUpResolved'] as const;

export class InvalidZendeskSecretError extends Error {
  override readonly name = 'InvalidZendeskSecretError';
}

/** The API token credentials a Zendesk integration's secret holds: `<agent email>/token:<api token>`. */
export interface ZendeskCredentials {
  readonly agentEmail: string;
  /** The `Authorization` header's value (Basic, API token authentication). */
  readonly authorization: string;
}

export function zendeskCredentials(secret: string): ZendeskCredentials {
  const match = /^([^\s/:]+@[^\s/:]+)\/token:(\S+)$/.exec(secret.trim());
  if (!match) throw new InvalidZendeskSecretError('the Zendesk secret is not "<agent email>/token:<api token>"');
  return { agentEmail: match[1] as string, authorization: `Basic ${Buffer.from(secret.trim(), 'utf8').toString('base64')}` };
}

/** The account's address (`https://shop.zendesk.com`) without a trailing slash. */
const origin = (baseUrl: string) => baseUrl.replace(/\/+$/, '');

export const ticketsUrl = (baseUrl: string) => `${origin(baseUrl)}/api/v2/tickets.json`;
/** List Tickets filtered by external id (Zendesk matches it exactly; archived tickets are not listed). */
export const ticketLookupUrl = (baseUrl: string, caseId: string) => `${ticketsUrl(baseUrl)}?external_id=${encodeURIComponent(caseId)}`;
export const ticketUrl = (baseUrl: string, ticketId: number) => `${origin(baseUrl)}/api/v2/tickets/${ticketId}.json`;

/** What a ticket may show beyond the event's detail, read from the case. */
export interface TicketExtras {
  readonly comment?: string | null;
  readonly topics?: readonly string[];
  /** Only for an integration that opted in to personal data. */
  readonly customer?: { readonly id?: string; readonly name?: string; readonly email?: string };
}

export interface TicketOptions {
  readonly includeComment: boolean;
  readonly includePersonalData: boolean;
  readonly extras?: TicketExtras;
}

export type ZendeskPriority = 'low' | 'normal' | 'high' | 'urgent';

/** The body of Create Ticket. */
export interface NewTicket {
  readonly ticket: {
    readonly subject: string;
    readonly comment: { readonly body: string; readonly public: false };
    readonly external_id: string;
    readonly priority: ZendeskPriority;
    readonly tags: readonly string[];
    readonly status?: 'solved';
    readonly assignee_email?: string;
  };
}

/** The body of Update Ticket: a private comment, and for a resolution the solved status. */
export interface TicketUpdate {
  readonly ticket: {
    readonly comment: { readonly body: string; readonly public: false };
    readonly additional_tags: readonly string[];
    readonly priority?: ZendeskPriority;
    readonly status?: 'solved';
    readonly assignee_email?: string;
  };
}

/** A ticket as the lookup lists it (the fields Closeloop reads). */
export interface FoundTicket {
  readonly id: number;
  readonly status: string;
  readonly assigneeId: number | null;
  readonly tags: readonly string[];
}

const str = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : String(value));
const MAX_COMMENT = 5000;
const MAX_SUBJECT = 150;

/** Zendesk tags are lower-case words: anything else becomes `_`. */
export function zendeskTag(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_\-/:]/g, '_')
    .slice(0, 80);
}

/**
 * The tag that marks a delivery as applied to a ticket (`closeloop_msg_<hash>`): a retried or
 * replayed escalation or resolution finds it on the ticket and adds no second comment.
 */
export const deliveryTag = (webhookId: string) => zendeskTag(`closeloop_${webhookId}`);

/** Escalations stand out: rung 1 is high, any later rung urgent; a case just opened is normal. */
export function priorityFor(detailType: string, detail: Readonly<Record<string, unknown>>): ZendeskPriority {
  if (detailType !== 'FollowUpEscalated') return 'normal';
  const rung = Number((detail.escalation as { rung?: unknown } | undefined)?.rung ?? 1);
  return rung >= 2 ? 'urgent' : 'high';
}

const scoreText = (detail: Readonly<Record<string, unknown>>) =>
  detail.score === undefined ? undefined : `${str(detail.score)}${detail.classification ? ` (${str(detail.classification)})` : ''}`;

export function ticketSubject(detail: Readonly<Record<string, unknown>>): string {
  const score = scoreText(detail);
  const subject = `Closeloop follow-up: ${str(detail.programId) ?? 'unknown program'}${score ? `, score ${score}` : ''}`;
  return subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject;
}

/** The case as the ticket's first comment describes it: program, score and class, queue, due time, topics, comment, case id and the command. */
export function caseDescription(detail: Readonly<Record<string, unknown>>, options: TicketOptions): string {
  const lines: string[] = [];
  const line = (label: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`${label}: ${value}`);
  };
  line('Program', str(detail.programId));
  line('Score', scoreText(detail));
  line('Queue', str(detail.queue) && `${str(detail.queue)}${detail.ownerTeam ? ` (team ${str(detail.ownerTeam)})` : ''}`);
  line('Rule', str(detail.rule));
  line('Acknowledge by', str(detail.acknowledgeBy));
  line('Due', str(detail.dueAt));
  const topics = options.extras?.topics ?? [];
  line('Topics', topics.length ? topics.join(', ') : undefined);
  if (options.includePersonalData) {
    const customer = options.extras?.customer;
    const id = str(customer?.id) ?? str(detail.customerId);
    const who = [str(customer?.name), customer?.email ? `<${customer.email}>` : undefined].filter(Boolean).join(' ');
    line('Customer', [id, who || undefined].filter(Boolean).join(', ') || undefined);
  }
  const comment = options.includeComment ? options.extras?.comment : undefined;
  if (comment) {
    const clipped = comment.length > MAX_COMMENT ? `${comment.slice(0, MAX_COMMENT)}…` : comment;
    lines.push('', 'Comment:', ...clipped.split('\n').map((text) => `> ${text}`));
  }
  const caseId = str(detail.caseId);
  if (caseId) lines.push('', `Case ${caseId}`, `Open it with: closeloop case show ${caseId}`);
  return lines.join('\n');
}

/** What an escalation or a resolution adds to the ticket, as a private comment. */
export function updateNote(detailType: string, detail: Readonly<Record<string, unknown>>): string {
  if (detailType === 'FollowUpEscalated') {
    const escalation = (detail.escalation ?? {}) as { rung?: unknown; reason?: unknown; at?: unknown };
    const reason =
      escalation.reason === 'not-acknowledged'
        ? 'not acknowledged in time'
        : escalation.reason === 'not-resolved'
          ? 'not resolved in time'
          : str(escalation.reason);
    return [
      `ESCALATED in Closeloop: rung ${str(escalation.rung) ?? '?'}${reason ? `, ${reason}` : ''}${escalation.at ? ` (${str(escalation.at)})` : ''}.`,
      `Case ${str(detail.caseId)}: closeloop case show ${str(detail.caseId)}`,
    ].join('\n');
  }
  const escalations = Number(detail.escalations ?? 0);
  return [
    `Resolved in Closeloop${detail.resolvedAt ? ` at ${str(detail.resolvedAt)}` : ''}: root cause ${str(detail.rootCause) ?? 'not given'}${escalations ? `, after ${escalations} escalation${escalations === 1 ? '' : 's'}` : ''}.`,
    `Case ${str(detail.caseId)}: closeloop case show ${str(detail.caseId)}`,
  ].join('\n');
}

const tagsFor = (detail: Readonly<Record<string, unknown>>) => [
  ...new Set(['closeloop', str(detail.programId), str(detail.classification), str(detail.queue)].filter((tag): tag is string => !!tag).map(zendeskTag)),
];

/**
 * Create Ticket's body for a case: `external_id` = the case id, a private first comment, tags
 * (closeloop, the program, the class, the queue), priority by the event. For an escalation or a
 * resolution whose case has no ticket yet (opened before the integration existed, or while its
 * opening is still being retried), the ticket is opened with that update in it, and marked with
 * the delivery's tag; a resolution opens it solved, assigned to the API agent when `assignTo` is given.
 */
export function newTicket(
  detailType: string,
  detail: Readonly<Record<string, unknown>>,
  options: TicketOptions & { readonly webhookId: string; readonly assignTo?: string },
): NewTicket {
  const description = caseDescription(detail, options);
  const late = detailType !== 'FollowUpOpened';
  return {
    ticket: {
      subject: ticketSubject(detail),
      comment: { body: late ? `${description}\n\n${updateNote(detailType, detail)}` : description, public: false },
      external_id: String(detail.caseId),
      priority: priorityFor(detailType, detail),
      tags: late ? [...tagsFor(detail), deliveryTag(options.webhookId)] : tagsFor(detail),
      ...(detailType === 'FollowUpResolved' ? { status: 'solved' as const, ...(options.assignTo ? { assignee_email: options.assignTo } : {}) } : {}),
    },
  };
}

/**
 * Update Ticket's body for an escalation (a private comment, priority raised) or a resolution (a
 * private comment, status solved; Zendesk solves only assigned tickets, so an unassigned one is
 * assigned to the API agent `assignTo`). The delivery's tag is added in the same update.
 */
export function ticketUpdate(
  detailType: string,
  detail: Readonly<Record<string, unknown>>,
  options: { readonly webhookId: string; readonly assignTo?: string },
): TicketUpdate {
  return {
    ticket: {
      comment: { body: updateNote(detailType, detail), public: false },
      additional_tags: [deliveryTag(options.webhookId)],
      ...(detailType === 'FollowUpEscalated' ? { priority: priorityFor(detailType, detail) } : {}),
      ...(detailType === 'FollowUpResolved' ? { status: 'solved' as const, ...(options.assignTo ? { assignee_email: options.assignTo } : {}) } : {}),
    },
  };
}

export class UnexpectedZendeskAnswerError extends Error {
  override readonly name = 'UnexpectedZendeskAnswerError';
}

/** The tickets List Tickets answered with, oldest (lowest id) first; throws on an answer that is not Zendesk's. */
export function foundTickets(body: string): FoundTicket[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new UnexpectedZendeskAnswerError('the ticket lookup did not answer JSON');
  }
  const tickets = (parsed as { tickets?: unknown } | null)?.tickets;
  if (!Array.isArray(tickets)) throw new UnexpectedZendeskAnswerError('the ticket lookup answered without a "tickets" list');
  return tickets
    .filter((ticket): ticket is Record<string, unknown> => typeof ticket === 'object' && ticket !== null && typeof (ticket as { id?: unknown }).id === 'number')
    .map((ticket) => ({
      id: ticket.id as number,
      status: typeof ticket.status === 'string' ? ticket.status : 'open',
      assigneeId: typeof ticket.assignee_id === 'number' ? ticket.assignee_id : null,
      tags: Array.isArray(ticket.tags) ? ticket.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    }))
    .sort((a, b) => a.id - b.id);
}

/** The id in Create Ticket's answer, when it has one. */
export function createdTicketId(body: string): number | undefined {
  try {
    const id = (JSON.parse(body) as { ticket?: { id?: unknown } } | null)?.ticket?.id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
