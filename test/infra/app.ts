import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, type AppProps, Stack } from 'aws-cdk-lib';
import { Catalog, Closeloop, propsFromContext } from '../../lib/index.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';

const outdirs: string[] = [];

/** A CDK app in a temporary folder (removed by `cleanUpApps`); bundling is skipped unless asked for. */
export function testApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cdk-'));
  outdirs.push(outdir);
  const props: AppProps = {
    outdir,
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  };
  return new App(props);
}

/**
 * This repo's app, as bin/closeloop.ts builds it: a stack with one Closeloop whose settings come
 * from context; the catalog as a file declares it (default: the demo's). In account 123456789012, in eu-west-1 unless another region is given (`null`: environment-agnostic).
 */
export function testStack(app: App, declared?: Record<string, unknown>, region: string | null = 'eu-west-1'): Stack {
  const env = region === null ? undefined : { account: '123456789012', region };
  const stack = new Stack(app, 'Closeloop', { env });
  const catalog = declared ? Catalog.fromObject(declared) : Catalog.fromFile(DEMO_CATALOG_FILE);
  new Closeloop(stack, 'Closeloop', { catalog, ...propsFromContext(app) });
  return stack;
}

export function cleanUpApps(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
