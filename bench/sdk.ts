/**
 * Which AWS SDK the functions run with, measured side by side in one run, every function:
 *   (a) `@aws-sdk/*` external: the runtime's SDK (here the pinned one, found as Lambda's runtime provides it, NODE_PATH);
 *   (b) the SDK clients the function uses bundled with it, tree-shaken and minified.
 * For each: bundle size (split by esbuild's metafile into the project's code and libraries vs
 * `@aws-sdk/*` + `@smithy/*`), and cold starts on Lambda's Node.js 24 in fresh processes, the two
 * variants alternated: the `require` of index.js (like the runtime's init) and the first
 * invocation with one representative event against the sandbox's emulators.
 *   node scripts/node24.mjs tsx bench/sdk.ts [cold starts per variant]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { build, type Metafile } from 'esbuild';
import { keys } from '../functions/adapters/table-keys.js';
import type { Stage } from '../functions/config/wiring.js';
import { hashToken } from '../functions/domain/tokens.js';
import { FUNCTIONS_SOURCE, functionBuildOptions, sdkSplit, stages } from '../scripts/build.js';
import { demoCatalog } from '../test/fixtures/catalog.js';
import {
  bounceFor,
  httpEvent,
  invokeFresh,
  localVariables,
  NODE24,
  parkedAcknowledgement,
  runtimeVariables,
  sqsEvent,
  storedReply,
  streamInsert,
  synthesizeFunctions,
  ticketFor,
} from '../test/fixtures/deployed-functions.js';
import { benchSandbox, median, table } from './harness.js';

export const VARIANTS = {
  external: { label: '(a) SDK external', external: ['@aws-sdk/*'] },
  bundled: { label: '(b) SDK bundled', external: [] as string[] },
} as const;
export type Variant = keyof typeof VARIANTS;

export interface SdkFigures {
  readonly bytes: number;
  /** The project's code and libraries: everything but @aws-sdk/* and @smithy/*. */
  readonly ownBytes: number;
  readonly sdkBytes: number;
  readonly importMs: number;
  readonly firstInvocationMs: number;
}

export interface SdkResult {
  readonly stage: string;
  readonly variants: Record<Variant, SdkFigures>;
}

export async function benchSdk(starts = 7): Promise<{ node: string; results: SdkResult[] }> {
  const node = existsSync(NODE24) ? NODE24 : process.execPath;
  mkdirSync('.bench', { recursive: true });
  const dir = mkdtempSync(path.join(path.resolve('.bench'), 'sdk-'));
  // Inside this "type": "module" package; a Lambda asset has no package.json: its index.js is CommonJS.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const synthesized = synthesizeFunctions();
  const running = await benchSandbox('sdk', { catalog: demoCatalog });
  try {
    const { info } = running;
    const sizes = new Map<string, { bytes: number; ownBytes: number; sdkBytes: number }>();
    for (const stage of stages()) {
      for (const [variant, { external }] of Object.entries(VARIANTS)) {
        const outfile = path.join(dir, variant, stage, 'index.js');
        mkdirSync(path.dirname(outfile), { recursive: true });
        const built = await build({
          ...functionBuildOptions,
          external: [...external],
          entryPoints: [path.join(FUNCTIONS_SOURCE, stage, 'handler.ts')],
          outfile,
          metafile: true,
          logLevel: 'silent',
        });
        writeFileSync(path.join(path.dirname(outfile), 'catalog.json'), JSON.stringify(demoCatalog));
        sizes.set(`${variant}/${stage}`, sdkSplit(built.metafile as Metafile));
      }
    }

    // One representative event per stage; the rating page and the stream record use dispatch's first survey.
    await invokeOnce('dispatch', 'external', sqsEvent(ticketFor(`bench-${randomUUID()}@example.com`), info.queues['dispatch-buffer']!.arn));
    const [email] = (await (await fetch(info.sesStoreUrl)).json()).emails.slice(-1) as { body: { html?: string; text?: string } }[];
    const token = /\/r\/([A-Za-z0-9_-]+)\?s=/.exec(email?.body.html ?? email?.body.text ?? '')?.[1];
    if (!token) throw new Error('the first survey email has no rating link');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.dynamodb }),
    );
    const { Item } = await documents.send(new GetCommand({ TableName: info.tables.surveys, Key: keys.invitation(hashToken(token)) }));
    if (!Item) throw new Error('the first survey has no invitation item');
    // One representative event per stage (a new stage without one fails the type check).
    // Parked first, so that the sandbox's own notify poller leaves it to the bundle being measured.
    const pendingAcknowledgement = async () => {
      const caseId = `bench-${randomUUID()}`;
      return streamInsert(await parkedAcknowledgement(documents, info.tables.surveys, caseId, `${caseId}@example.com`));
    };
    const events: Record<Stage, () => unknown> = {
      cases: () => httpEvent('GET', '/cases/{caseId}', '/cases/bench', { caseId: 'bench' }, { iam: true }),
      workspace: () =>
        httpEvent(
          'GET',
          '/api/cases/{caseId}',
          '/api/cases/bench',
          { caseId: 'bench' },
          { jwt: { sub: 'bench', email: 'bench@example.com', 'cognito:groups': '[cx-admin]' } },
        ),
      digest: () =>
        httpEvent('POST', '/digests/{digestId}/send', '/digests/none/send', { digestId: 'none' }, { iam: true, body: JSON.stringify({ week: '2026-11-23' }) }),
      deliverability: () => sqsEvent(bounceFor(`bounce-${randomUUID()}@example.com`, info.region), info.queues['deliverability-feedback']!.arn),
      dispatch: () => sqsEvent(ticketFor(`bench-${randomUUID()}@example.com`), info.queues['dispatch-buffer']!.arn),
      erase: () => httpEvent('POST', '/erasures', '/erasures', {}, { iam: true, body: JSON.stringify({ email: `erased-${randomUUID()}@example.com` }) }),
      escalate: () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }),
      rules: () => streamInsert(Item),
      measure: () => streamInsert(Item),
      respond: () => httpEvent('GET', '/r/{token}', `/r/${token}`, { token }),
      notify: pendingAcknowledgement,
      // A reply to an address that names no case: read from the bucket, parsed, dropped and deleted.
      inbound: async () =>
        (await storedReply(info, { to: `reply+${'a'.repeat(53)}@${info.inboundDomain}`, from: 'customer@example.com', text: 'Thank you, it came.' })).event,
      hooks: () => httpEvent('POST', '/hooks/{integrationId}', '/hooks/none', { integrationId: 'none' }, { body: '{}' }),
      deliver: () =>
        httpEvent(
          'POST',
          '/integrations/{integrationId}/replay',
          '/integrations/none/replay',
          { integrationId: 'none' },
          {
            iam: true,
            body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
          },
        ),
      announce: () =>
        httpEvent(
          'POST',
          '/announcements',
          '/announcements',
          {},
          {
            iam: true,
            body: JSON.stringify({
              programId: 'order-delivered-nps',
              topic: 'delivery',
              since: new Date(Date.now() - 3_600_000).toISOString(),
              messages: { en: { subject: 'We fixed it', body: 'Hello {name}, thank you.' } },
              dryRun: true,
            }),
          },
        ),
    };

    async function invokeOnce(stage: string, variant: Variant, event: unknown) {
      const deployed = synthesized.functions.find((f) => f.stage === stage);
      if (!deployed) throw new Error(`the template has no ${stage} function`);
      const assetDir = path.join(dir, variant, stage);
      const env = { ...runtimeVariables({ stage, assetDir }, info), ...localVariables(deployed.variables, synthesized.template, info) };
      return invokeFresh(assetDir, event, env, node);
    }

    const results: SdkResult[] = [];
    for (const stage of stages()) {
      const samples: Record<Variant, { importMs: number[]; invokeMs: number[] }> = {
        external: { importMs: [], invokeMs: [] },
        bundled: { importMs: [], invokeMs: [] },
      };
      for (let i = 0; i < starts; i++) {
        // Alternate which variant goes first, so a busy moment of the machine hits both alike.
        const order: Variant[] = i % 2 ? ['bundled', 'external'] : ['external', 'bundled'];
        for (const variant of order) {
          const { importMs, invokeMs } = await invokeOnce(stage, variant, await events[stage as Stage]());
          samples[variant].importMs.push(importMs);
          samples[variant].invokeMs.push(invokeMs);
        }
      }
      const figures = (variant: Variant): SdkFigures => ({
        ...sizes.get(`${variant}/${stage}`)!,
        importMs: median(samples[variant].importMs),
        firstInvocationMs: median(samples[variant].invokeMs),
      });
      results.push({ stage, variants: { external: figures('external'), bundled: figures('bundled') } });
    }
    return { node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), results };
  } finally {
    await running.stop();
    synthesized.cleanUp();
  }
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

/** The section's table and goals, as `npm run bench` prints them. */
export function sdkReport(results: readonly SdkResult[]): string {
  const rows = results.map(({ stage, variants: { external: a, bundled: b } }) => [
    stage,
    `${kib(a.bytes)} (${kib(a.ownBytes)})`,
    `${kib(b.bytes)} (${kib(b.ownBytes)} + SDK ${kib(b.sdkBytes)})`,
    a.importMs.toFixed(1),
    b.importMs.toFixed(1),
    (b.importMs / a.importMs).toFixed(2),
    a.firstInvocationMs.toFixed(1),
    b.firstInvocationMs.toFixed(1),
    (b.firstInvocationMs / a.firstInvocationMs).toFixed(2),
    (a.importMs + a.firstInvocationMs).toFixed(1),
    (b.importMs + b.firstInvocationMs).toFixed(1),
    ((b.importMs + b.firstInvocationMs) / (a.importMs + a.firstInvocationMs)).toFixed(2),
  ]);
  const sum = (variant: Variant, key: 'importMs' | 'firstInvocationMs') => results.reduce((total, r) => total + r.variants[variant][key], 0);
  const coldA = sum('external', 'importMs') + sum('external', 'firstInvocationMs');
  const coldB = sum('bundled', 'importMs') + sum('bundled', 'firstInvocationMs');
  const ownMet = results.every((r) => r.variants.bundled.ownBytes <= 150 * 1024 && r.variants.external.ownBytes <= 150 * 1024);
  return [
    table([
      [
        'function',
        '(a) KiB (own)',
        '(b) KiB (own + SDK)',
        'import (a) ms',
        'import (b) ms',
        'b/a',
        '1st invoke (a) ms',
        '1st invoke (b) ms',
        'b/a',
        'cold total (a)',
        'cold total (b)',
        'b/a',
      ],
      ...rows,
    ]),
    `import + first invocation, all functions: (a) ${coldA.toFixed(0)} ms, (b) ${coldB.toFixed(0)} ms, b/a ${(coldB / coldA).toFixed(2)}`,
    `goal: the project's own code and libraries ≤ 150 KiB each (without @aws-sdk/*, @smithy/*): ${ownMet ? 'met' : 'NOT met'}`,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const starts = Number(process.argv[2] ?? 7);
  const { node, results } = await benchSdk(starts);
  console.log(`AWS SDK external vs bundled, every function, Node ${node}, median of ${starts} cold starts per variant, alternated\n`);
  console.log(sdkReport(results));
}
