import { beforeEach, describe, expect, it } from 'vitest';
import type { Invitation, SurveyResponse } from '../../functions/domain/invitation.js';
import { type FollowUpDeps, responseChange, routeResponse, UnknownProgramError, UnroutableRecordError } from '../../functions/rules/rules.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { InMemoryCases, RecordingPublisher } from '../fixtures/in-memory-cases.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const answered = (score: number, overrides: Partial<Invitation> = {}, response: Partial<SurveyResponse> = {}): Invitation & { response: SurveyResponse } => ({
  tokenHash: 'hash-1',
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'ord-1042-delivered',
  contactKey: 'contact-77',
  locale: 'hr',
  customer: { id: 'c-77', email: 'ana@example.com', name: 'Ana', tier: 'silver' },
  context: { orderId: '1042' },
  createdAt: '2026-11-22T10:00:00Z',
  expiresAt: 2_000_000_000,
  response: { score, comment: 'Paket je kasnio.', respondedAt: '2026-11-22T12:00:00.000Z', ...response },
  ...overrides,
});

describe('routeResponse', () => {
  let cases: InMemoryCases;
  let publisher: RecordingPublisher;
  let contacts: InMemoryInvitations;
  let deps: FollowUpDeps;

  beforeEach(() => {
    cases = new InMemoryCases();
    publisher = new RecordingPublisher();
    contacts = new InMemoryInvitations();
    deps = {
      catalog,
      cases,
      publisher,
      contacts,
      timing: { slaScale: 1, caseApiBaseUrl: 'https://api.example.com/' },
      now: () => new Date('2026-11-22T12:00:01Z'),
    };
  });

  it('puts nothing on the bus for an eNPS answer (its time and webhook-id would date and link it); an NPS answer is announced', async () => {
    const employee = answered(2, {
      programId: 'staff-enps',
      kind: 'enps',
      eventId: 'review-e-7',
      customer: { id: 'e-7', email: 'e@example.com', segment: 'team-a' },
    });
    const { events } = await routeResponse(employee, {
      ...deps,
      catalog: { ...catalog, programs: [...catalog.programs, { ...catalog.programs[0]!, id: 'staff-enps', kind: 'enps', rules: [] }] },
    });

    expect(events).toEqual([]);
    expect((await routeResponse(answered(2), deps)).events[0]!.detail).toMatchObject({ customerId: 'c-77', surveyId: 'hash-1', eventId: 'ord-1042-delivered' });
  });

  it('opens a detractor case carrying the customer, the score, the order, topics, deadlines and a link', async () => {
    const { cases: opened, events } = await routeResponse(answered(3), deps);

    expect(publisher.published).toEqual(opened);
    expect(opened).toEqual([
      {
        version: 1,
        caseId: expect.stringMatching(/^[\w-]{22}$/),
        programId: 'order-delivered-nps',
        kind: 'nps',
        score: 3,
        classification: 'detractor',
        comment: 'Paket je kasnio.',
        secondAnswer: null,
        topics: ['delivery'],
        rule: 'detractor',
        queue: 'customer-success',
        ownerTeam: 'customer-success',
        customer: expect.objectContaining({ id: 'c-77' }),
        eventId: 'ord-1042-delivered',
        context: { orderId: '1042' },
        respondedAt: '2026-11-22T12:00:00.000Z',
        acknowledgeBy: '2026-11-22T16:00:00.000Z',
        dueAt: '2026-11-23T12:00:00.000Z',
        links: { case: `https://api.example.com/cases/${opened[0]!.caseId}` },
      },
    ]);
    expect(cases.records.get(opened[0]!.caseId)).toMatchObject({
      status: 'open',
      rung: 0,
      escalateTo: ['escalation'],
      nextDeadline: Date.parse('2026-11-22T16:00:00.000Z'),
    });
    expect(events.map((e) => e.detailType)).toEqual(['SurveyResponded', 'FollowUpOpened']);
    expect(JSON.stringify(events)).not.toContain('ana@example.com');
  });

  it("pauseWhileWaitingForCustomer holds for the case only where replies come back (the stack's inbound mail)", async () => {
    const { cases: opened } = await routeResponse(answered(3), deps);
    expect(cases.records.get(opened[0]!.caseId)?.pauseWhileWaiting).toBeUndefined();
    const withInbound = await routeResponse(answered(3, { tokenHash: 'hash-9' }), { ...deps, inbound: true });
    expect(cases.records.get(withInbound.cases[0]!.caseId)?.pauseWhileWaiting).toBe(true);
  });

  it('keeps the case for the retention period and findable by contact; opens none once the person was erased', async () => {
    const { cases: opened } = await routeResponse(answered(3), deps);
    expect(cases.records.get(opened[0]!.caseId)).toMatchObject({
      contactKey: 'contact-77',
      expiresAt: Date.parse('2026-11-22T12:00:01Z') / 1000 + catalog.retention.caseDays * 86_400,
    });

    cases.erasedSurveys.add('hash-2');
    const late = await routeResponse(answered(3, { tokenHash: 'hash-2' }), deps);
    expect(late.cases).toEqual([]);
    expect(late.events.map((e) => e.detailType)).toEqual(['SurveyResponded']);
    expect(publisher.published).toHaveLength(1);
  });

  it('opens one case when the stream record is delivered twice', async () => {
    await routeResponse(answered(3), deps);
    const again = await routeResponse(answered(3), deps);
    expect(again.cases).toEqual([]);
    expect(publisher.published).toHaveLength(1);
    expect(cases.records.size).toBe(1);
  });

  it('sends the message again when the first delivery failed after the case was stored', async () => {
    publisher.failNext = 1;
    await expect(routeResponse(answered(3), deps)).rejects.toThrow('SQS unavailable');
    const retry = await routeResponse(answered(3), deps);
    expect(retry.cases).toHaveLength(1);
    expect(retry.events.map((e) => e.detailType)).toEqual(['SurveyResponded']);
    expect(cases.records.size).toBe(1);
  });

  it('sends a gold-tier detractor straight to the escalation queue', async () => {
    const { cases: opened } = await routeResponse(answered(1, { customer: { id: 'g', email: 'g@example.com', tier: 'gold' } }), deps);
    expect(opened.map((c) => [c.rule, c.queue, c.acknowledgeBy])).toEqual([['gold-detractor', 'escalation', '2026-11-22T13:00:00.000Z']]);
  });

  it('asks promoters for a review', async () => {
    const { cases: opened } = await routeResponse(answered(10), deps);
    expect(opened.map((c) => c.queue)).toEqual(['advocacy']);
  });

  it('compresses SLAs by the configured scale (the sandbox)', async () => {
    const { cases: opened } = await routeResponse(answered(3), { ...deps, timing: { ...deps.timing, slaScale: 0.001 } });
    expect(opened[0]?.acknowledgeBy).toBe(new Date(Date.parse('2026-11-22T12:00:00.000Z') + 4 * 3600).toISOString());
  });

  it('fails loudly for a program that is no longer declared', async () => {
    await expect(routeResponse(answered(3, { programId: 'gone' }), deps)).rejects.toThrow(UnknownProgramError);
  });

  it('names a corrupted score instead of retrying it, and opens nothing', async () => {
    await expect(routeResponse(answered(42), deps)).rejects.toThrow(
      new UnroutableRecordError(`invitation ${answered(42).tokenHash}: score 42 is outside the nps scale`),
    );
  });

  it('rests a respondent for the after-response period (90 days)', async () => {
    await routeResponse(answered(9), deps);
    expect(contacts.rests.get('contact-77#all')?.until).toBe(Date.parse('2026-11-22T12:00:00.000Z') / 1000 + 90 * 86_400);
  });

  it('recognises the first arrival of a response and a changed one, and nothing else', () => {
    const { response, ...unanswered } = answered(3);
    const changed = answered(9, {}, { revision: 2 });
    expect(responseChange(unanswered, answered(3))?.kind).toBe('first');
    expect(responseChange(undefined, answered(3))?.kind).toBe('first');
    expect(responseChange(answered(3), answered(3))).toBeUndefined();
    expect(responseChange(undefined, unanswered)).toBeUndefined();
    expect(responseChange(answered(3), changed)).toMatchObject({ kind: 'changed', previous: response });
  });

  it('opens no second case when a changed answer matches the same rule', async () => {
    await routeResponse(answered(2), deps, answered(5).response);
    expect(publisher.published).toEqual([]);
    await routeResponse(answered(2), deps, answered(9).response);
    expect(publisher.published.map((c) => c.rule)).toEqual(['detractor']);
  });
});
