import { describe, expect, it } from 'vitest';
import { SendPacer } from '../../functions/adapters/send-pacer.js';
import { dispatchConcurrencyFor, dispatchSendRateFor } from '../../functions/config/resources.js';

/** A clock that only moves when the pacer sleeps. */
function virtualClock() {
  let now = 1_000_000;
  const starts: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    starts,
    start: () => starts.push(now),
  };
}

describe('SendPacer', () => {
  it('spaces sends evenly at the rate, in the order they ask, without a burst', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(10, clock.now, clock.sleep);
    for (let i = 0; i < 5; i++) {
      await pacer.take();
      clock.start();
    }
    expect(clock.starts.map((t) => t - clock.starts[0]!)).toEqual([0, 100, 200, 300, 400]);
  });

  it('lets a send through at once after a pause, and does not pace at rate 0', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(50, clock.now, clock.sleep);
    await pacer.take();
    await clock.sleep(5_000);
    const before = clock.now();
    await pacer.take();
    expect(clock.now()).toBe(before);
    const unpaced = new SendPacer(0, clock.now, () => Promise.reject(new Error('slept')));
    for (let i = 0; i < 100; i++) await unpaced.take();
  });

  it('gives each dispatch instance its share: all together at most the SES rate', () => {
    for (const rate of [1, 14, 50, 200, 14_000]) {
      expect(dispatchSendRateFor(rate) * dispatchConcurrencyFor(rate)).toBeCloseTo(rate, 9);
    }
    expect(dispatchSendRateFor(14)).toBe(7);
    expect(dispatchSendRateFor(50)).toBe(10);
  });
});
