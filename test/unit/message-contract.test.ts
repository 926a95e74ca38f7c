import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ANONYMOUS_ADDRESS, buildFollowUpCase, escalation, openCase } from '../../functions/domain/follow-up-case.js';
import { followUpMessageSchema } from '../../functions/domain/follow-up-message.js';
import { findProgram } from '../../functions/domain/program.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';

const schema = JSON.parse(readFileSync('schema/follow-up-message.schema.json', 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
addFormats(ajv);
const validate = ajv.compile(schema);

const program = findProgram(catalog, 'order-delivered-nps')!;
const rule = program.rules.find((r) => r.id === 'detractor')!;
const message = buildFollowUpCase(
  {
    tokenHash: 'h',
    programId: program.id,
    kind: 'nps',
    eventId: 'ord-1042-delivered',
    contactKey: 'k',
    locale: 'hr',
    customer: { id: 'c-77', email: 'ana@example.com', name: 'Ana', locale: 'hr', segment: 'smb', tier: 'gold' },
    context: { orderId: '1042' },
    createdAt: '2026-11-22T10:00:00Z',
    expiresAt: 0,
    response: { score: 3, comment: 'Kasni.', respondedAt: '2026-11-22T12:00:00.000Z' },
  },
  program,
  rule,
  'detractor',
  ['delivery'],
  { slaScale: 1, caseApiBaseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' },
);

describe('the follow-up message contract (schema/follow-up-message.schema.json)', () => {
  it('describes the messages Closeloop sends, including escalations', () => {
    expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
    const escalated = escalation(openCase(message, rule, new Date('2026-11-22T12:00:00Z')), new Date('2026-11-22T17:00:00Z'))!.message;
    expect(validate(escalated), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is generated from the zod schema the messages satisfy (no hand-written copy)', () => {
    expect(z.safeParse(followUpMessageSchema, message).success).toBe(true);
    const escalated = escalation(openCase(message, rule, new Date('2026-11-22T12:00:00Z')), new Date('2026-11-22T17:00:00Z'))!.message;
    expect(z.safeParse(followUpMessageSchema, escalated).success).toBe(true);
    expect(z.safeParse(followUpMessageSchema, { ...message, extra: 1 }).success).toBe(false);
  });

  it("keeps an anonymous respondent's case message within the contract: no address or name, a placeholder that receives no mail", () => {
    // An answered eNPS invitation has forgotten the address and name (withoutRespondent) before the rules stage reads it.
    const anonymous = buildFollowUpCase(
      {
        tokenHash: 'h2',
        programId: program.id,
        kind: 'enps',
        eventId: 'review-2026-q4',
        contactKey: 'k2',
        locale: 'et',
        customer: { id: 'e-12', segment: 'engineering' },
        context: {},
        createdAt: '2026-11-22T10:00:00Z',
        expiresAt: 0,
        response: { score: 2, respondedAt: '2026-11-22T12:00:00.000Z' },
      },
      { ...program, kind: 'enps' },
      rule,
      'detractor',
      [],
      { slaScale: 1, caseApiBaseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' },
    );
    expect(validate(anonymous), JSON.stringify(validate.errors)).toBe(true);
    expect(z.safeParse(followUpMessageSchema, anonymous).success).toBe(true);
    expect(anonymous.customer).toEqual({ id: 'e-12', email: ANONYMOUS_ADDRESS, segment: 'engineering' });
    expect(ANONYMOUS_ADDRESS.endsWith('.invalid')).toBe(true);
  });

  it('rejects a message that breaks it (the schema is not a formality)', () => {
    expect(validate({ ...message, score: 11 })).toBe(false);
    expect(validate({ ...message, links: {} })).toBe(false);
    const { caseId: _, ...withoutId } = message;
    expect(validate(withoutId)).toBe(false);
  });
});
