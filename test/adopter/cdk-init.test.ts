/**
 * An adopter with the app most TypeScript CDK users have: the one `cdk init app --language typescript`
 * generates (CommonJS output under `module: NodeNext`, tsx for the app, jest with @swc/jest), made
 * with the repository's pinned CDK CLI and installed with `npm install` as generated, plus the packed
 * tarball. The app adds one `Closeloop` to the generated stack and extends the generated jest test to
 * assert on it; `npm run build` (tsc, which reads the `.d.cts` types), `npm test` and `cdk synth`
 * must pass there. 0.1.0 failed all three ways (`import_en.default is not a function`).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deployedStages } from '../../functions/config/wiring.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');
const env = { ...process.env, CI: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

let root: string;
let app: string;
const inApp = (file: string, args: string[], timeout = 300_000) => run(file, args, { cwd: app, env, timeout, maxBuffer: 32 * 1024 * 1024 });

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cdk-init-'));
  app = path.join(root, 'shop-feedback');
  mkdirSync(app);
  await inApp(path.join(REPO, 'node_modules', '.bin', 'cdk'), ['init', 'app', '--language', 'typescript', '--generate-only']);
  await inApp('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', inject('tarball')], 600_000);
  copyFileSync(path.join(app, 'node_modules', 'closeloop', 'closeloop.yaml'), path.join(app, 'closeloop.yaml'));

  // The adopter's two edits: one construct in the generated stack, assertions in the generated test.
  const stackFile = path.join(app, 'lib', 'shop-feedback-stack.ts');
  const stack = readFileSync(stackFile, 'utf8');
  expect(stack).toContain('// The code that defines your stack goes here');
  writeFileSync(
    stackFile,
    `import { Catalog, Closeloop } from 'closeloop';\n${stack.replace(
      '// The code that defines your stack goes here',
      `new Closeloop(this, 'Feedback', {
      catalog: Catalog.fromFile('closeloop.yaml'),
      senderEmail: 'surveys@shop.example',
      supportEmail: 'support@shop.example',
    });`,
    )}`,
  );
  const testFile = path.join(app, 'test', 'shop-feedback.test.ts');
  expect(readFileSync(testFile, 'utf8')).toContain("import { Template } from 'aws-cdk-lib/assertions';");
  writeFileSync(
    testFile,
    `import * as cdk from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ShopFeedback from '../lib/shop-feedback-stack';

test('Closeloop is in the stack', () => {
  const app = new cdk.App();
  const stack = new ShopFeedback.ShopFeedbackStack(app, 'MyTestStack');
  const template = Template.fromStack(stack);

  template.resourceCountIs('AWS::Events::EventBus', 1);
  template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }))).toHaveLength(${deployedStages({ workspace: false }).length});
  template.hasOutput('*', { Value: { Ref: Match.stringLikeRegexp('^FeedbackFollowUpsSupport') } });
});
`,
  );
}, 900_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('an adopter with the app `cdk init app --language typescript` generates (CommonJS)', () => {
  it('generated a CommonJS project, as the CDK CLI does today', () => {
    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { type?: string; devDependencies: Record<string, string> };
    expect(pkg.type).toBeUndefined();
    expect(pkg.devDependencies).toHaveProperty('@swc/jest');
    expect(readFileSync(path.join(app, 'tsconfig.json'), 'utf8')).toContain('"module": "NodeNext"');
  });

  it('type-checks with the generated `npm run build` (tsc reads the CommonJS types)', async () => {
    await inApp('npm', ['run', 'build']);
  });

  it('passes its extended jest test', async () => {
    const { stdout, stderr } = await inApp('npm', ['test', '--', '--ci']);
    expect(`${stdout}${stderr}`).toContain('1 passed');
  });

  it('synthesizes with `cdk synth`: every function asset carries the catalog', async () => {
    await inApp(path.join(app, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet']);
    const out = path.join(app, 'cdk.out');
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.') && existsSync(path.join(out, name, 'catalog.json')));
    expect(assets).toHaveLength(deployedStages({ workspace: false }).length);
    const template = JSON.parse(readFileSync(path.join(out, 'ShopFeedbackStack.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function')).toHaveLength(
      deployedStages({ workspace: false }).length,
    );
  });

  it('resolves its types for `require` and `import` alike (arethetypeswrong)', async () => {
    const { stdout } = await run(path.join(REPO, 'node_modules', '.bin', 'attw'), [inject('tarball'), '--format', 'json'], {
      cwd: root,
      env,
      timeout: 120_000,
      maxBuffer: 32 * 1024 * 1024,
    }).catch((error: { stdout: string }) => error);
    const report = JSON.parse(stdout) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  });
});
