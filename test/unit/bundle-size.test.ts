import { isBuiltin } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { APP_BUILD, APP_ENTRY } from '../../functions/workspace/app-asset.js';
import { FUNCTIONS_SOURCE, functionBuildOptions, sdkSplit, stages } from '../../scripts/build.js';

/**
 * The bundle goal: each function's own code and libraries ≤ 150 KiB minified. The AWS SDK clients
 * bundled with it (`@aws-sdk/*`, `@smithy/*`) are not counted; esbuild's metafile tells them apart.
 */
describe('Lambda bundles as scripts/build.ts builds them', () => {
  it.each(stages())('%s: its own code and libraries are at most 150 KiB; the SDK it uses is inside', async (stage) => {
    const built = await build({
      ...functionBuildOptions,
      entryPoints: [path.join(FUNCTIONS_SOURCE, stage, 'handler.ts')],
      write: false,
      outdir: '/tmp',
      metafile: true,
    });
    const split = sdkSplit(built.metafile);
    expect(split.ownBytes).toBeLessThanOrEqual(150 * 1024);
    expect(split.sdkBytes).toBeGreaterThan(0);
    expect(split.bytes).toBe(split.ownBytes + split.sdkBytes);
    // Nothing is left for the runtime to provide: every import esbuild left out is a Node.js built-in.
    const external = Object.values(built.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
    expect(external.filter((name) => !isBuiltin(name))).toEqual([]);
  });
});

describe("the workspace's browser script", () => {
  it('is at most 150 KB gzip-compressed (level 9), imports nothing from elsewhere, and carries no Node.js code', async () => {
    const built = await build({ ...APP_BUILD, entryPoints: [APP_ENTRY], write: false, metafile: true });
    const script = built.outputFiles[0]?.contents ?? new Uint8Array();
    expect(gzipSync(script, { level: 9 }).length).toBeLessThanOrEqual(150 * 1024);
    // Only the app, its strings and the team rules it shares with the API (no SDK, no zod).
    expect(Object.keys(built.metafile.inputs).sort()).toEqual([
      'functions/domain/teams.ts',
      'functions/workspace/app/main.ts',
      'functions/workspace/app/strings.ts',
    ]);
  });
});
