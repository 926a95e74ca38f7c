import * as z from 'zod/mini';
import { describeIssues } from '../domain/event.js';
import { LOCALES } from '../domain/messages.js';
import { parseIsoDuration } from '../domain/policies.js';
import { DEFAULT_RETENTION, type Catalog, type SurveyProgram } from '../domain/program.js';
import { CLASSIFICATIONS, SURVEY_KINDS, scaleOf } from '../domain/survey-kinds.js';

const kebab = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,47}$/, 'lower-case kebab-case, at most 48 characters'));
const nonEmpty = z.string().check(z.minLength(1));
const hhmm = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time such as "21:00"'));
const trigger = z.object({ source: nonEmpty, detailType: nonEmpty });
const perLocale = z.partialRecord(z.enum(LOCALES), nonEmpty);

const ruleSchema = z.object({
  id: kebab,
  when: z.object({
    scoreAtMost: z.optional(z.int()),
    scoreAtLeast: z.optional(z.int()),
    classification: z.optional(z.array(z.enum(CLASSIFICATIONS))),
    kind: z.optional(z.array(z.enum(SURVEY_KINDS))),
    segment: z.optional(z.array(nonEmpty)),
    tier: z.optional(z.array(nonEmpty)),
    locale: z.optional(z.array(nonEmpty)),
    hasComment: z.optional(z.boolean()),
  }),
  queue: kebab,
  dueInHours: z.number().check(z.positive()),
  acknowledgeWithinHours: z.optional(z.number().check(z.positive())),
  escalateTo: z.optional(z.array(kebab)),
  recoverySurvey: z.optional(z.boolean()),
  final: z.optional(z.boolean()),
});

const programSchema = z.object({
  id: kebab,
  description: z.optional(z.string()),
  trigger,
  audience: z.optional(z.object({ segment: z.optional(z.array(nonEmpty)), tier: z.optional(z.array(nonEmpty)) })),
  kind: z.enum(SURVEY_KINDS),
  defaultLocale: z.enum(LOCALES),
  ownerTeam: nonEmpty,
  delay: z.optional(z.string()),
  throttleDays: z.optional(z.int().check(z.positive(), z.lte(3650))),
  restsAcrossPrograms: z.optional(z.boolean()),
  alert: z.optional(z.object({
    threshold: z.number(),
    windowDays: z.int().check(z.positive(), z.lte(365)),
    minResponses: z.int().check(z.positive()),
  })),
  sampleRate: z.optional(z.number().check(z.gt(0), z.lte(1))),
  question: z.optional(perLocale),
  intro: z.optional(perLocale),
  secondQuestion: z.optional(perLocale),
  cancel: z.optional(z.object({ on: z.array(trigger).check(z.minLength(1)), matchOn: z.string().check(z.regex(/^\w+$/, 'a context field name')) })),
  rules: z.array(ruleSchema),
});

const catalogSchema = z.object({
  brand: nonEmpty,
  invitationTtlDays: z.int().check(z.positive(), z.lte(365)),
  answerWindowHours: z.optional(z.number().check(z.gte(0), z.lte(24 * 365))),
  retention: z.optional(z.object({
    responseDays: z.int().check(z.positive(), z.lte(3650)),
    caseDays: z.int().check(z.positive(), z.lte(3650)),
  })),
  throttle: z.object({
    afterSendDays: z.int().check(z.gte(0), z.lte(3650)),
    afterResponseDays: z.int().check(z.gte(0), z.lte(3650)),
  }),
  quietHours: z.object({ start: hhmm, end: hhmm }),
  followUpQueues: z.record(kebab, z.object({ description: z.string() })),
  topics: z.record(kebab, z.partialRecord(z.enum(LOCALES), z.array(nonEmpty))),
  rootCauses: z.array(kebab).check(z.minLength(1)),
  programs: z.array(programSchema).check(z.minLength(1)),
});

export class InvalidCatalogError extends Error {
  override readonly name = 'InvalidCatalogError';
}

/** Delays are sent through EventBridge Scheduler one-time schedules; keep them within a year. */
const MAX_DELAY_SECONDS = 365 * 86_400;

/**
 * Validates the declared programs and queues. Throws InvalidCatalogError naming every bad field,
 * so `cdk synth` and `npm start` both stop with the same message.
 */
export function parseCatalog(input: unknown): Catalog {
  const parsed = z.safeParse(catalogSchema, input);
  if (!parsed.success) throw new InvalidCatalogError(`Invalid survey catalog: ${describeIssues(parsed.error.issues)}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const programs = parsed.data.programs.map((declared, p): SurveyProgram => {
    const at = `programs.${p}`;
    if (seen.has(declared.id)) problems.push(`${at}.id: "${declared.id}" is declared twice`);
    seen.add(declared.id);
    const delaySeconds = declared.delay === undefined ? 0 : parseIsoDuration(declared.delay);
    if (delaySeconds === undefined || delaySeconds > MAX_DELAY_SECONDS) {
      problems.push(`${at}.delay: "${declared.delay}" is not an ISO 8601 duration of weeks, days, hours, minutes or seconds up to a year (e.g. "P2D", "PT36H")`);
    }
    const { min, max } = scaleOf(declared.kind);
    declared.rules.forEach((rule, r) => {
      if (!(rule.queue in parsed.data.followUpQueues)) problems.push(`${at}.rules.${r}.queue: "${rule.queue}" is not a declared follow-up queue`);
      rule.escalateTo?.forEach((queue, e) => {
        if (!(queue in parsed.data.followUpQueues)) problems.push(`${at}.rules.${r}.escalateTo.${e}: "${queue}" is not a declared follow-up queue`);
      });
      if (rule.acknowledgeWithinHours !== undefined && rule.acknowledgeWithinHours > rule.dueInHours) {
        problems.push(`${at}.rules.${r}.acknowledgeWithinHours: ${rule.acknowledgeWithinHours} is later than dueInHours ${rule.dueInHours}`);
      }
      for (const bound of ['scoreAtMost', 'scoreAtLeast'] as const) {
        const value = rule.when[bound];
        if (value !== undefined && (value < min || value > max)) {
          problems.push(`${at}.rules.${r}.when.${bound}: ${value} is outside the ${declared.kind} scale ${min}–${max}`);
        }
      }
    });
    declared.cancel?.on.forEach((t, c) => {
      if (t.source === declared.trigger.source && t.detailType === declared.trigger.detailType) {
        problems.push(`${at}.cancel.on.${c}: a program cannot be cancelled by its own trigger`);
      }
    });
    const { delay: _delay, ...rest } = declared;
    return { ...rest, delaySeconds: delaySeconds ?? 0, sampleRate: declared.sampleRate ?? 1 } as SurveyProgram;
  });
  if (parsed.data.retention && parsed.data.retention.responseDays * 24 < (parsed.data.answerWindowHours ?? 24)) {
    problems.push(`retention.responseDays: ${parsed.data.retention.responseDays} is shorter than the answer window`);
  }
  if (problems.length) throw new InvalidCatalogError(`Invalid survey catalog: ${problems.join('; ')}`);
  return {
    ...parsed.data, answerWindowHours: parsed.data.answerWindowHours ?? 24, retention: parsed.data.retention ?? DEFAULT_RETENTION, programs,
  } as Catalog;
}
