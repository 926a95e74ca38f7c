import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error in the stack, with real bundling', () => {
    const app = testApp({ bundle: true });
    testStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    const assembly = app.synth();

    // Each function bundle (minified, AWS SDK left to the runtime) stays well under 150 KB.
    const bundles = readdirSync(assembly.directory)
      .filter((dir) => dir.startsWith('asset.'))
      .map((dir) => path.join(assembly.directory, dir, 'index.js'))
      .filter((file) => { try { return statSync(file).isFile(); } catch { return false; } });
    expect(bundles).toHaveLength(8); // dispatch, respond, follow-up (rules), cases, escalate, measure, deliverability, erase
    for (const bundle of bundles) expect(statSync(bundle).size).toBeLessThan(150 * 1024);
  });

  it('would fail the synth on a violation (the check is live)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'Plain');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });
});
