import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { ENV } from '../../functions/config/env.js';
import { deployedStages } from '../../functions/config/wiring.js';
import type { Catalog } from '../../functions/domain/program.js';
import { declaredCatalog, demoCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

/** Another shop's catalog as its file declares it: its own brand, an extra locale, an extra queue and a rule on it. */
function otherDeclared(): Record<string, unknown> {
  const declared = declaredCatalog();
  declared.brand = { name: 'Kaffeehaus Müller', accentColor: '#0a7d5a' };
  declared.locales = { de: { ...demoCatalog.locales.en, subject: 'Eine kurze Frage von {brand}' } };
  declared.programs[0].defaultLocale = 'de';
  declared.followUpQueues.barista = { description: 'Coffee complaints' };
  declared.programs[0].rules.push({ id: 'coffee', when: { scoreAtMost: 3 }, queue: 'barista', dueInHours: 12 });
  return declared;
}

/** Every function of the synthesized stack, with the catalog.json in its asset folder. */
function functionCatalogs(
  declared: Record<string, unknown>,
): { asset: string; handler: string; env: Record<string, string>; catalog: Catalog; code: string }[] {
  const app = testApp({ bundle: true });
  const stack = testStack(app, declared);
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  return Object.values(template.findResources('AWS::Lambda::Function')).map((resource) => {
    const assetHash = String(resource.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const dir = path.join(assembly.directory, `asset.${assetHash}`);
    return {
      asset: assetHash,
      handler: resource.Properties.Handler as string,
      env: resource.Properties.Environment.Variables as Record<string, string>,
      catalog: JSON.parse(readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as Catalog,
      code: readdirSync(dir).sort().join(','),
    };
  });
}

describe('the catalog the stack was given is the catalog its functions run with', () => {
  it("places another shop's catalog, and never the demo's, beside every handler", () => {
    const catalog = parseCatalog(otherDeclared());
    const functions = functionCatalogs(otherDeclared());
    expect(functions).toHaveLength(deployedStages({ workspace: false }).length);
    for (const fn of functions) {
      expect(fn.code).toBe('catalog.json,index.js');
      expect(fn.handler).toBe('index.handler');
      expect(fn.env[ENV.RUNTIME_CATALOG]).toBe('catalog.json');
      expect(fn.catalog).toEqual(catalog);
      expect(JSON.stringify(fn.catalog)).not.toContain(demoCatalog.brand.name);
      expect(fn.catalog.locales.de?.subject).toBe('Eine kurze Frage von {brand}');
    }
  });

  it('gives a changed catalog new assets (so a deploy updates every function)', () => {
    const demoAssets = new Set(functionCatalogs(declaredCatalog()).map((fn) => fn.asset));
    const otherAssets = functionCatalogs(otherDeclared()).map((fn) => fn.asset);
    expect(demoAssets.size).toBe(deployedStages({ workspace: false }).length);
    expect(otherAssets.filter((asset) => demoAssets.has(asset))).toEqual([]);
  });
});
