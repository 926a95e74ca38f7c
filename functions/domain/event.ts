import * as z from 'zod/mini';
import { isTimeZone } from './policies.js';
import { cleanStrings, cleanText } from './text.js';

/**
 * Event contract v1: what business systems put on the bus. `detail` is validated here; the
 * EventBridge envelope (`source`, `detail-type`) is what the bus rules matched on.
 */
const customerSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  email: z.email(),
  name: z.optional(z.string().check(z.maxLength(200))),
  locale: z.optional(z.string().check(z.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'a BCP 47 tag such as "hr" or "pt-BR"'))),
  segment: z.optional(z.string().check(z.maxLength(100))),
  tier: z.optional(z.string().check(z.maxLength(100))),
  /**
   * IANA time zone ("Europe/Zagreb"): quiet hours apply only when it is known. Checked by the runtime's
   * time zone database, which JSON Schema cannot express: the generated schemas say only "a string".
   */
  timeZone: z.optional(z.string().check(z.refine(isTimeZone, 'an IANA time zone such as "Europe/Tallinn"'))),
});

/** The `detail` of an event in contract v1 (also of `RecoverySurveyRequested`). */
export const eventDetailSchema = z.object({
  eventId: z.string().check(z.minLength(1), z.maxLength(256)),
  occurredAt: z.iso.datetime({ offset: true }),
  customer: customerSchema,
  context: z.optional(z.record(z.string(), z.unknown())),
});

/** Added by Closeloop to an event it re-delivers to itself later (a delayed or quiet-hours survey). */
const dueSchema = z.object({ programId: z.string().check(z.minLength(1)), at: z.iso.datetime() });

const envelopeSchema = z.object({
  source: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  detail: eventDetailSchema,
  closeloopDue: z.optional(dueSchema),
});

/**
 * Event contract v1 as producers see it: the EventBridge event a rule delivers (`source`,
 * `detail-type`, `detail`; the envelope's other members are EventBridge's). With a trigger, its
 * `source` and `detail-type` are that trigger's. The JSON Schemas (schema/events/) are generated from it.
 */
export function producerEventSchema(trigger?: { readonly source: string; readonly detailType: string }) {
  return z.object({
    source: trigger ? z.literal(trigger.source) : z.string().check(z.minLength(1)),
    'detail-type': trigger ? z.literal(trigger.detailType) : z.string().check(z.minLength(1)),
    detail: eventDetailSchema,
  });
}

export type Due = z.infer<typeof dueSchema>;

export type Customer = z.infer<typeof customerSchema>;

export interface SurveyEvent {
  readonly source: string;
  readonly detailType: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly customer: Customer;
  readonly context: Record<string, unknown>;
  /** Present when this is Closeloop's own delayed re-delivery for one program. */
  readonly due?: Due;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Names each offending field, e.g. `detail.customer.email: Invalid email address`. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[]): string {
  return issues
    .map((issue) => {
      const at = issue.path.length ? issue.path.map(String).join('.') : '(root)';
      // zod/mini without a locale says only "Invalid input": name the fields a strict object does not know.
      return issue.code === 'unrecognized_keys' && issue.keys?.length ? `${at}: unknown field ${issue.keys.join(', ')}` : `${at}: ${issue.message}`;
    })
    .join('; ');
}

/** A queue message's body as an object: the object itself, or its JSON text parsed; `undefined` when the text is not JSON. */
export function messageObject(input: unknown): { value: unknown } | undefined {
  if (typeof input !== 'string') return { value: input };
  try {
    return { value: JSON.parse(input) };
  } catch {
    return undefined;
  }
}

/**
 * After validation, not in it (contract v1 accepts what it accepted): a name without control or
 * bidi characters and on one line, or none when nothing is left of it.
 */
function cleanCustomer(customer: Customer): Customer {
  if (customer.name === undefined) return customer;
  const { name, ...rest } = customer;
  const cleaned = cleanText(name);
  return cleaned ? { ...rest, name: cleaned } : rest;
}

/**
 * Parses an EventBridge event (the object, or its JSON text) against contract v1. Never throws.
 * The customer's name and every string in `context` come back cleaned (domain/text.ts).
 */
export function parseSurveyEvent(input: unknown): ParseResult<SurveyEvent> {
  const raw = messageObject(input);
  if (!raw) return { ok: false, reason: '(root): the message body is not JSON' };
  const parsed = z.safeParse(envelopeSchema, raw.value);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  const { source, detail } = parsed.data;
  return {
    ok: true,
    value: {
      source,
      detailType: parsed.data['detail-type'],
      eventId: detail.eventId,
      occurredAt: detail.occurredAt,
      customer: cleanCustomer(detail.customer),
      context: cleanStrings(detail.context ?? {}),
      ...(parsed.data.closeloopDue ? { due: parsed.data.closeloopDue } : {}),
    },
  };
}

/** The message that re-delivers `event` for one program at `at` (the original event, marked as due). */
export function dueEnvelope(raw: Record<string, unknown>, programId: string, at: Date): Record<string, unknown> {
  return { ...raw, closeloopDue: { programId, at: at.toISOString() } };
}
