import { describe, expect, it } from 'vitest';
import { partOf, summarise } from '../../bench/profile.js';

const sample = (at: number, nodeMs: number, machineMs: number) => ({ at, elapsedMs: 250, nodeMs, jvmMs: 50, machineMs, loopP99Ms: 5 });

describe('the burst profile (bench/profile.ts)', () => {
  it('names where code lives from its script URL', () => {
    expect(partOf('file:///w/node_modules/@smithy/core/dist/index.js')).toBe('AWS SDK (@aws-sdk, @smithy)');
    expect(partOf('file:///w/node_modules/fauxqs/dist/server.js')).toBe('SQS emulator (fauxqs)');
    expect(partOf('file:///w/functions/dispatch/dispatch.ts')).toBe('Closeloop handlers (functions/)');
    expect(partOf('file:///w/sandbox/pollers.ts')).toBe('sandbox (pollers, bus, HTTP API)');
    expect(partOf('node:internal/streams/readable')).toBe('Node.js core (streams, http, crypto)');
  });

  it('compares the seconds below 0.9 of the allowed rate with the others and names what was saturated', () => {
    // 4 s of sends: 50 in the first two seconds, 10 in the last two; the machine saturated only then.
    const accepted = [...Array.from({ length: 100 }, (_, i) => 1000 + i * 20), ...Array.from({ length: 21 }, (_, i) => 3000 + i * 100)];
    const samples = Array.from({ length: 16 }, (_, i) => sample(1000 + (i + 1) * 250, i < 8 ? 100 : 240, i < 8 ? 200 : 500));
    const profile = summarise(samples, accepted, 50, true, [{ id: 1, callFrame: { url: 'file:///w/node_modules/@aws-sdk/x.js', functionName: 'f' } }], [1, 1]);
    expect(profile.windows).toBe(4);
    expect(profile.slowWindows).toBe(2);
    expect(profile.slow.nodeCpu).toBeCloseTo(96, 0);
    expect(profile.steady.nodeCpu).toBeCloseTo(40, 0);
    expect(profile.verdict).toMatch(/saturated: .*event loop \(96 % of a core/);
    expect(profile.where).toEqual([{ part: 'AWS SDK (@aws-sdk, @smithy)', share: 1 }]);
  });
});
