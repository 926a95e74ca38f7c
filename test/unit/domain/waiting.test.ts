import { describe, expect, it } from 'vitest';
import { summarise } from '../../../functions/cases/inbox.js';
import { acknowledge, addCustomerReply, addNote, addReply, escalation, type FollowUpCaseRecord, resolve } from '../../../functions/domain/follow-up-case.js';
import { detractorCase } from '../../fixtures/cases.js';

const HOUR = 3_600_000;
const opened = new Date('2026-12-07T08:00:00Z');
const at = (hours: number) => new Date(opened.getTime() + hours * HOUR);
const reply = { from: 'mari@example.com', text: 'Here is the photo you asked for.', messageId: 'm-1', dropped: [] };

/** The demo's detractor case (acknowledge within 4 h, resolve within 48 h, one escalation rung), pausing while waiting. */
const pausing = (): FollowUpCaseRecord => ({ ...detractorCase(opened), escalateTo: ['escalation'], pauseWhileWaiting: true });

describe('pauseWhileWaitingForCustomer: a case waits for the customer after a team reply', () => {
  it('a team reply sets the next deadline aside (out of the escalation index); nothing escalates meanwhile', () => {
    const record = acknowledge(pausing(), 'agent', at(1));
    expect(record.nextDeadline).toBe(Date.parse(record.message.dueAt));
    const waiting = addReply(record, 'agent', at(2), 'Could you send a photo of the box?');
    expect(waiting.nextDeadline).toBeUndefined();
    expect(waiting.waiting).toEqual({ since: at(2).toISOString(), nextDeadline: Date.parse(record.message.dueAt) });
    expect(escalation(waiting, at(500))).toBeUndefined();
    // A note, an assignment or a second reply keep it waiting, since the first reply.
    const still = addReply(addNote(waiting, 'agent', at(3), 'waiting for the photo'), 'agent', at(4), 'Any news?');
    expect(still.waiting?.since).toBe(at(2).toISOString());
    expect(summarise(still, at(100))).toMatchObject({ waitingForCustomer: true, overdue: false });
  });

  it("the customer's answer resumes it: every deadline moves on by the time waited", () => {
    const base = pausing();
    const waiting = addReply(base, 'agent', at(1), 'Which door was it left at?');
    // Unacknowledged: the next deadline set aside is the acknowledge-by time.
    expect(waiting.waiting?.nextDeadline).toBe(Date.parse(base.message.acknowledgeBy as string));
    const answered = addCustomerReply(waiting, at(31), reply);
    expect(answered.waiting).toBeUndefined();
    expect(answered.message.dueAt).toBe(new Date(Date.parse(base.message.dueAt) + 30 * HOUR).toISOString());
    expect(answered.message.acknowledgeBy).toBe(new Date(Date.parse(base.message.acknowledgeBy as string) + 30 * HOUR).toISOString());
    expect(answered.nextDeadline).toBe(Date.parse(base.message.acknowledgeBy as string) + 30 * HOUR);
    expect(answered.history.at(-1)).toMatchObject({ action: 'customer-replied', text: reply.text });
    expect(summarise(answered, at(31))).toMatchObject({ waitingForCustomer: false, customerReplied: true });
    // Once someone acts on it, the inbox no longer says the customer replied.
    expect(summarise(addNote(answered, 'agent', at(32), 'thanks'), at(32)).customerReplied).toBe(false);
  });

  it('an acknowledgement while waiting moves the deadline set aside, not the live one', () => {
    const waiting = addReply(pausing(), 'agent', at(1), 'Which door?');
    const acknowledged = acknowledge(waiting, 'agent', at(2));
    expect(acknowledged.nextDeadline).toBeUndefined();
    expect(acknowledged.waiting).toEqual({ since: at(1).toISOString(), nextDeadline: Date.parse(waiting.message.dueAt) });
  });

  it('resolving ends the wait; a rule without the key, or a stack without inbound mail, never waits', () => {
    const waiting = addReply(pausing(), 'agent', at(1), 'Which door?');
    const resolved = resolve(waiting, 'agent', at(2), 'delivery-delay');
    expect(resolved.waiting).toBeUndefined();
    expect(resolved.nextDeadline).toBeUndefined();
    const plain = addReply(detractorCase(opened), 'agent', at(1), 'Which door?');
    expect(plain.waiting).toBeUndefined();
    expect(plain.nextDeadline).toBe(detractorCase(opened).nextDeadline);
    // A customer's reply to a case that was not waiting changes no deadline.
    expect(addCustomerReply(plain, at(2), reply).message.dueAt).toBe(plain.message.dueAt);
  });
});
