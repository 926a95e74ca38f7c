/**
 * An adopter with an ES-module app: a folder outside the repository that installs the packed tarball
 * with aws-cdk-lib, constructs and the CDK CLI, writes its own closeloop.yaml (another brand, a queue
 * of its own), synthesizes offline, and runs `npx closeloop sandbox` there. Nothing from the repo but
 * the tarball. The CommonJS app that `cdk init` generates is cdk-init.test.ts.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { deployedStages, STAGES } from '../../functions/config/wiring.js';
import { freePort } from '../../sandbox/emulators.js';
import { DEFAULT_PORTS, PORT_VARIABLES, type SandboxInfo } from '../../sandbox/sandbox.js';
import { declaredCatalog } from '../fixtures/catalog.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');
const devVersion = (name: string) =>
  (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[name] as string;

let dir: string;
const env = { ...process.env, CI: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const inAdopter = (file: string, args: string[], timeout = 180_000) => run(file, args, { cwd: dir, env, timeout, maxBuffer: 32 * 1024 * 1024 });

/** The adopter's catalog: its own brand, its own language (made with `locale init`), a queue of its own with a rule on it. */
function adopterCatalog(): Record<string, unknown> {
  const declared = declaredCatalog();
  declared.brand = { name: 'Kaffeehaus Müller', accentColor: '#0a7d5a', footer: 'Kaffeehaus Müller GmbH · Hauptstraße 1 · 10115 Berlin' };
  declared.locales = { de: './locales/de.yaml' };
  declared.programs[0].intro.de = 'Ihre Bestellung {context.orderId} wurde geliefert.';
  declared.followUpQueues.barista = { description: 'Coffee complaints: the head barista calls back.' };
  declared.programs[0].rules.unshift({ id: 'bitter-coffee', when: { scoreAtMost: 3 }, queue: 'barista', dueInHours: 12 });
  return declared;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-adopter-'));
  const tarball = inject('tarball');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'kaffeehaus-feedback', private: true, type: 'module' }, null, 2));
  await inAdopter(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      inject('sandboxTarball'),
      `aws-cdk-lib@${devVersion('aws-cdk-lib')}`,
      `constructs@${devVersion('constructs')}`,
      `aws-cdk@${devVersion('aws-cdk')}`,
    ],
    420_000,
  );
  // A German bundle as an adopter makes one: `closeloop locale init de`, then translated.
  const { stdout: bundle } = await inAdopter('npx', ['--no-install', 'closeloop', 'locale', 'init', 'de', '--from', 'en']);
  mkdirSync(path.join(dir, 'locales'));
  writeFileSync(
    path.join(dir, 'locales', 'de.yaml'),
    bundle
      .replace(/^subject: .*$/m, 'subject: "Eine kurze Frage von {brand}"')
      .replace(/^greeting: .*$/m, 'greeting: "Hallo {name},"')
      .replace(/^intro: .*$/m, 'intro: "Wir freuen uns über Ihr Feedback. Tippen Sie auf eine Zahl:"')
      .replace(/^ {2}nps: How likely.*$/m, '  nps: Wie wahrscheinlich ist es, dass Sie {brand} einem Freund oder Kollegen empfehlen?')
      .replace(/^unsubscribe: .*$/m, 'unsubscribe: "Keine Umfragen mehr? Abmelden"'),
  );
  writeFileSync(
    path.join(dir, 'closeloop.yaml'),
    `# yaml-language-server: $schema=./node_modules/closeloop/schema/closeloop.schema.json\n${stringify(adopterCatalog())}`,
  );
  writeFileSync(
    path.join(dir, 'app.mjs'),
    `import { App, Stack } from 'aws-cdk-lib';
import { Catalog, Closeloop } from 'closeloop';

const app = new App();
const stack = new Stack(app, 'Kaffeehaus');
new Closeloop(stack, 'Feedback', {
  catalog: Catalog.fromFile('closeloop.yaml'),
  senderEmail: 'umfragen@kaffee.example',
  supportEmail: 'hilfe@kaffee.example',
});
`,
  );
  writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.mjs', notices: false }));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an adopter installs the packed package into its own folder', () => {
  it('installs a package with the handlers pre-built, the library and its types, the CLI, the schema, the license', () => {
    const installed = path.join(dir, 'node_modules', 'closeloop');
    for (const file of [
      'dist/lib/index.js',
      'dist/lib/index.cjs',
      'dist/types/lib/index.d.ts',
      'dist/types/lib/index.d.cts',
      'dist/cli/closeloop.mjs',
      'schema/closeloop.schema.json',
      'locales/fa.yaml',
      'LICENSE',
      'CHANGELOG.md',
    ]) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
    // One pre-built handler per stage of the wiring contract.
    expect(readdirSync(path.join(installed, 'dist', 'functions')).sort()).toEqual([...STAGES].sort());
    // No sources, tests or the repo's own tooling.
    for (const absent of ['functions', 'test', 'lib', 'cli', 'sandbox', 'scripts']) expect(existsSync(path.join(installed, absent)), absent).toBe(false);
    // Neither esbuild nor tsx is needed: nothing pulled them in.
    expect(existsSync(path.join(dir, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules', 'tsx'))).toBe(false);
  });

  it('validates its catalog with the installed CLI, and names a misspelled key', async () => {
    const { stdout } = await inAdopter('npx', ['--no-install', 'closeloop', 'validate']);
    expect(stdout).toContain('valid (brand "Kaffeehaus Müller"');
    const bad = adopterCatalog() as { programs: Record<string, unknown>[] };
    (bad.programs[0] as Record<string, unknown>).kidn = 'nps';
    writeFileSync(path.join(dir, 'bad.yaml'), stringify(bad));
    const failed = await inAdopter('npx', ['--no-install', 'closeloop', 'validate', 'bad.yaml']).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('bad.yaml: programs.0.kidn: unknown key (did you mean "kind"?)');
  });

  it("synthesizes offline with cdk synth; every function asset carries its catalog and none the demo's", async () => {
    await inAdopter('npx', ['--no-install', 'cdk', 'synth', '--quiet'], 300_000);
    const out = path.join(dir, 'cdk.out');
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.') && existsSync(path.join(out, name, 'catalog.json')));
    expect(assets).toHaveLength(deployedStages({ workspace: false }).length);
    for (const asset of assets) {
      const catalog = readFileSync(path.join(out, asset, 'catalog.json'), 'utf8');
      expect(catalog).toContain('Kaffeehaus Müller');
      expect(catalog).toContain('Eine kurze Frage von {brand}');
      expect(catalog).toContain('"barista"');
      expect(catalog).not.toContain('Closeloop Demo Shop');
      expect(readFileSync(path.join(out, asset, 'index.js'), 'utf8')).not.toContain('Closeloop Demo Shop');
    }
    const template = JSON.parse(readFileSync(path.join(out, 'Kaffeehaus.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.keys(template.Resources).filter((id) => /^FeedbackFollowUpsBarista[0-9A-F]{8}$/.test(id))).toHaveLength(1);
  });

  it('fails cdk synth on a misspelled key, naming it', async () => {
    const good = readFileSync(path.join(dir, 'closeloop.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'closeloop.yaml'), good.replace(/^(\s+)queue: barista$/m, '$1qeue: barista'));
    try {
      const failed = await inAdopter('npx', ['--no-install', 'cdk', 'synth', '--quiet', '-o', 'cdk.out.bad'], 300_000).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect((failed as { code: number }).code).not.toBe(0);
      expect((failed as { stderr: string }).stderr).toContain('closeloop.yaml: programs.0.rules.0.qeue: unknown key (did you mean "queue"?)');
    } finally {
      writeFileSync(path.join(dir, 'closeloop.yaml'), good);
    }
  });

  it("runs `npx closeloop sandbox` there: a German survey goes out with the adopter's brand", async () => {
    const ports = Object.fromEntries(
      await Promise.all(Object.keys(DEFAULT_PORTS).map(async (key) => [PORT_VARIABLES[key as keyof typeof PORT_VARIABLES], String(await freePort())])),
    );
    // The executable npx runs (node_modules/.bin/closeloop), started directly so that Ctrl-C (SIGINT) reaches it.
    const child: ChildProcess = spawn(path.join(dir, 'node_modules', '.bin', 'closeloop'), ['sandbox'], {
      cwd: dir,
      env: { ...env, ...ports },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    try {
      const infoFile = path.join(dir, '.sandbox', 'sandbox.json');
      const deadline = Date.now() + 90_000;
      while (!output.includes('Closeloop sandbox is running') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(output, output).toContain('brand "Kaffeehaus Müller"');
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as SandboxInfo;
      const bus = new EventBridgeClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.eventbridge });
      await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: info.busName,
              Source: 'shop.orders',
              DetailType: 'OrderDelivered',
              Detail: JSON.stringify({
                eventId: 'kaffee-1',
                occurredAt: new Date().toISOString(),
                customer: { id: 'k-1', email: 'jonas@kaffee.example', name: 'Jonas', locale: 'de-AT' },
                context: { orderId: 'K-77' },
              }),
            },
          ],
        }),
      );
      bus.destroy();
      let emails: { subject: string; body: { text?: string } }[] = [];
      while (!emails.length && Date.now() < deadline + 30_000) {
        const store = (await (await fetch(info.sesStoreUrl)).json()) as {
          emails: { subject: string; destination: { to: string[] }; body: { text?: string } }[];
        };
        emails = store.emails.filter((email) => email.destination.to.includes('jonas@kaffee.example'));
        if (!emails.length) await new Promise((r) => setTimeout(r, 250));
      }
      expect(emails, output).toHaveLength(1);
      expect(emails[0]?.subject).toBe('Eine kurze Frage von Kaffeehaus Müller');
      const text = emails[0]?.body.text ?? '';
      expect(text).toContain('Hallo Jonas,');
      expect(text).toContain('Ihre Bestellung K-77 wurde geliefert.');
      expect(text).toContain('Wie wahrscheinlich ist es, dass Sie Kaffeehaus Müller einem Freund oder Kollegen empfehlen?');
      expect(text).toContain('Kaffeehaus Müller GmbH · Hauptstraße 1 · 10115 Berlin');
      expect(text).not.toContain('Closeloop Demo Shop');
    } finally {
      child.kill('SIGINT');
      const stopped = await new Promise<boolean>((resolve) => {
        if (child.exitCode !== null) return resolve(true);
        const timer = setTimeout(() => resolve(false), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!stopped) child.kill('SIGKILL');
    }
    expect(child.exitCode, output).toBe(0);
  });
});
