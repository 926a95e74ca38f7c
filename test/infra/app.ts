import { App, type AppProps } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import type { Catalog } from '../../functions/domain/program.js';
import { CloseloopStack } from '../../lib/closeloop-stack.js';

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

/** The stack in account 123456789012, in eu-west-1 unless another region is given (`null`: environment-agnostic). */
export function testStack(app: App, stackCatalog: Catalog = catalog, region: string | null = 'eu-west-1'): CloseloopStack {
  const env = region === null ? undefined : { account: '123456789012', region };
  return new CloseloopStack(app, 'Closeloop', { catalog: stackCatalog, env });
}

export function cleanUpApps(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
