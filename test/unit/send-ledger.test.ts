import { describe, expect, it } from 'vitest';
import { RecipientRejectedError } from '../../functions/ports.js';
import { type ClaimedSend, sendClaimed } from '../../functions/send-ledger.js';

/** A claimed entry that records what the ledger did with it. */
function entry(options: { markFails?: boolean } = {}): ClaimedSend & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    markSent: async () => {
      calls.push('markSent');
      if (options.markFails) throw new Error('throttled');
    },
    release: async () => {
      calls.push('release');
    },
    reject: async () => {
      calls.push('reject');
    },
  };
}
const now = () => new Date(0);

describe('the send ledger around a claimed send', () => {
  it('marks a sent email sent', async () => {
    const claimed = entry();
    expect(await sendClaimed(claimed, async () => ({ messageId: 'm-1' }), now)).toEqual({ status: 'sent', messageId: 'm-1', marked: true });
    expect(claimed.calls).toEqual(['markSent']);
  });

  it('releases the claim and throws on a transient failure, so the retry sends', async () => {
    const claimed = entry();
    await expect(sendClaimed(claimed, async () => Promise.reject(new Error('SES unavailable')), now)).rejects.toThrow('SES unavailable');
    expect(claimed.calls).toEqual(['release']);
  });

  it('records a recipient refused for good, and sends nothing again', async () => {
    const claimed = entry();
    expect(await sendClaimed(claimed, async () => Promise.reject(new RecipientRejectedError('no such mailbox')), now)).toEqual({
      status: 'skipped',
      reason: 'rejected',
    });
    expect(claimed.calls).toEqual(['reject']);
  });

  it('does not throw when the sent mark fails after the send (the email is out): says it is unmarked', async () => {
    const claimed = entry({ markFails: true });
    expect(await sendClaimed(claimed, async () => ({ messageId: 'm-2' }), now)).toEqual({ status: 'sent', messageId: 'm-2', marked: false });
    expect(claimed.calls).toEqual(['markSent']);
  });
});
