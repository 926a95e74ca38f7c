import * as z from 'zod/mini';
import { LOCALES } from '../domain/messages.js';
import { describeIssues } from '../domain/event.js';
import type { Catalog } from '../domain/program.js';
import { SURVEY_KINDS, scaleOf } from '../domain/survey-kinds.js';

const kebab = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,47}$/, 'lower-case kebab-case, at most 48 characters'));

const ruleSchema = z.object({
  id: kebab,
  when: z.object({
    scoreAtMost: z.optional(z.int()),
    scoreAtLeast: z.optional(z.int()),
    classification: z.optional(z.array(z.string())),
  }),
  queue: kebab,
  dueInHours: z.number().check(z.positive()),
});

const programSchema = z.object({
  id: kebab,
  description: z.optional(z.string()),
  trigger: z.object({
    source: z.string().check(z.minLength(1)),
    detailType: z.string().check(z.minLength(1)),
  }),
  kind: z.enum(SURVEY_KINDS),
  defaultLocale: z.enum(LOCALES),
  ownerTeam: z.string().check(z.minLength(1)),
  rules: z.array(ruleSchema),
});

const catalogSchema = z.object({
  brand: z.string().check(z.minLength(1)),
  invitationTtlDays: z.int().check(z.positive(), z.lte(365)),
  followUpQueues: z.record(kebab, z.object({ description: z.string() })),
  programs: z.array(programSchema).check(z.minLength(1)),
});

export class InvalidCatalogError extends Error {
  override readonly name = 'InvalidCatalogError';
}

/**
 * Validates the declared programs and queues. Throws InvalidCatalogError naming every bad field,
 * so `cdk synth` and `npm start` both stop with the same message.
 */
export function parseCatalog(input: unknown): Catalog {
  const parsed = z.safeParse(catalogSchema, input);
  if (!parsed.success) throw new InvalidCatalogError(`Invalid survey catalog: ${describeIssues(parsed.error.issues)}`);
  const catalog = parsed.data as Catalog;
  const problems: string[] = [];
  const seen = new Set<string>();
  catalog.programs.forEach((program, p) => {
    if (seen.has(program.id)) problems.push(`programs.${p}.id: "${program.id}" is declared twice`);
    seen.add(program.id);
    const { min, max } = scaleOf(program.kind);
    program.rules.forEach((rule, r) => {
      const at = `programs.${p}.rules.${r}`;
      if (!(rule.queue in catalog.followUpQueues)) problems.push(`${at}.queue: "${rule.queue}" is not a declared follow-up queue`);
      for (const bound of ['scoreAtMost', 'scoreAtLeast'] as const) {
        const value = rule.when[bound];
        if (value !== undefined && (value < min || value > max)) {
          problems.push(`${at}.when.${bound}: ${value} is outside the ${program.kind} scale ${min}–${max}`);
        }
      }
    });
  });
  if (problems.length) throw new InvalidCatalogError(`Invalid survey catalog: ${problems.join('; ')}`);
  return catalog;
}
