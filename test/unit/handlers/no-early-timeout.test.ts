/**
 * Every stage's handler is built by `stageHandler`, which turns off middy's early timeout: with it,
 * middy answered a TimeoutError just before the deadline while the handler's calls were still in
 * flight, the event source retried the batch, and a notification being sent could be sent again by
 * the retry (the duplicate acknowledgement under SES throttling, issue 15).
 */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { stageHandler } from '../../../functions/adapters/observability.js';

const nearlyOut = { getRemainingTimeInMillis: () => 20 } as unknown as Context;
const slowWork = async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return 'done';
};

describe('stage handlers never return before their work ends', () => {
  it("middy's default answers a TimeoutError while the work is still running (what stageHandler turns off)", async () => {
    await expect(middy(slowWork)({}, nearlyOut)).rejects.toThrow(/aborted/);
  });

  it('a stageHandler waits for its work, past the deadline the context announces, and keeps middlewares', async () => {
    const seen: string[] = [];
    const handler = stageHandler(slowWork).use({ after: async () => void seen.push('after') });
    await expect(handler({}, nearlyOut)).resolves.toBe('done');
    expect(seen).toEqual(['after']);
  });

  it('every stage builds its handler with stageHandler, none with middy directly', () => {
    const root = path.resolve(import.meta.dirname, '../../../functions');
    const stages = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && readdirSync(path.join(root, e.name)).includes('handler.ts'))
      .map((e) => e.name);
    expect(stages.length).toBeGreaterThanOrEqual(10);
    for (const stage of stages) {
      const source = readFileSync(path.join(root, stage, 'handler.ts'), 'utf8');
      expect(source, stage).toMatch(/export const handler = stageHandler\(/);
      expect(source, stage).not.toMatch(/\bmiddy\(/);
    }
  });
});
