import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { deployedStages } from '../../functions/config/wiring.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

describe('cdk-nag AwsSolutions and Serverless', () => {
  it('finds no unacknowledged error in the stack, with real bundling', () => {
    const app = testApp({ bundle: true });
    testStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

    const assembly = app.synth();

    // Each function bundle (minified, with the AWS SDK clients it uses) stays small: its own code
    // ≤ 150 KiB is test/unit/bundle-size.test.ts's; with the SDK it stays under 1 MiB.
    const bundles = readdirSync(assembly.directory)
      .filter((dir) => dir.startsWith('asset.'))
      .map((dir) => path.join(assembly.directory, dir, 'index.js'))
      .filter((file) => {
        try {
          return statSync(file).isFile();
        } catch {
          return false;
        }
      });
    expect(bundles).toHaveLength(deployedStages({ workspace: false }).length); // one per stage the stack deploys
    for (const bundle of bundles) expect(statSync(bundle).size).toBeLessThan(1024 * 1024);
  });

  it('finds nothing with X-Ray tracing turned on either', () => {
    const app = testApp({ context: { 'closeloop:tracing': true } });
    testStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('would fail the synth on an AwsSolutions violation (the check is live)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'Plain');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('would fail the synth on a Serverless violation (the check is live)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    // Default memory and timeout, no DLQ, no tracing: everything the Serverless pack looks for in a function.
    new LambdaFunction(stack, 'Plain', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') });
    Validations.of(app).addPlugins(new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/Serverless-LambdaDefaultMemorySize/);
  });
});
