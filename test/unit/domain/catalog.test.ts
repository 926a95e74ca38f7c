import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CatalogFileError, CatalogNotFoundError, findCatalogFile, loadCatalogFile, resolveCatalogPath } from '../../../functions/config/catalog-file.js';
import { suggest } from '../../../functions/config/catalog-issues.js';
import { catalogJsonSchema, InvalidCatalogError, parseCatalog } from '../../../functions/config/catalog-schema.js';
import { programsFor, triggersOf } from '../../../functions/domain/program.js';
import { generatedSchemas } from '../../../scripts/schemas.js';
import { DEMO_CATALOG_FILE, declaredCatalog } from '../../fixtures/catalog.js';

type Declared = ReturnType<typeof declaredCatalog>;
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'closeloop-catalog-test-'));

describe('the survey catalog', () => {
  it('declares the demo programs', () => {
    const catalog = loadCatalogFile(DEMO_CATALOG_FILE);
    expect(catalog.brand.name).toBe('Closeloop Demo Shop');
    expect(programsFor(catalog, 'shop.orders', 'OrderDelivered').map((p) => p.kind)).toEqual(['nps']);
    expect(programsFor(catalog, 'support.tickets', 'TicketResolved').map((p) => p.kind)).toEqual(['ces']);
    expect(programsFor(catalog, 'shop.orders', 'OrderPlaced').map((p) => [p.kind, p.delaySeconds])).toEqual([['csat', 7200]]);
    expect(triggersOf(catalog).map((t) => t.detailType)).toEqual([
      'OrderDelivered',
      'OrderReturned',
      'OrderPlaced',
      'OrderCancelled',
      'TicketResolved',
      'RecoverySurveyRequested',
    ]);
    expect(catalog.quietHours).toEqual({ start: '21:00', end: '08:00' });
  });

  it('fills defaults: no delay, everyone sampled, enabled, not a dry run', () => {
    const [nps] = parseCatalog(declaredCatalog()).programs;
    expect(nps).toMatchObject({ delaySeconds: 0, sampleRate: 1, enabled: true, dryRun: false });
    const input = declaredCatalog();
    input.programs[2].delay = 'P1DT12H';
    expect(parseCatalog(input).programs[2]?.delaySeconds).toBe(36 * 3600);
  });

  it('gives two programs on one trigger one bus rule', () => {
    const input = declaredCatalog();
    input.programs.push({ ...input.programs[0], id: 'order-delivered-csat', kind: 'csat', rules: [] });
    expect(triggersOf(parseCatalog(input))).toHaveLength(6);
  });

  it('leaves a disabled program out of the bus rules and the programs an event starts', () => {
    const input = declaredCatalog();
    input.programs[2].enabled = false; // ticket-resolved-ces, the only program on TicketResolved
    const catalog = parseCatalog(input);
    expect(programsFor(catalog, 'support.tickets', 'TicketResolved')).toEqual([]);
    expect(triggersOf(catalog).map((t) => t.detailType)).not.toContain('TicketResolved');
  });

  it.each([
    [
      'an unknown survey kind',
      (c: Declared) => {
        c.programs[0].kind = 'stars';
      },
      'programs.0.kind',
    ],
    [
      'an unknown locale',
      (c: Declared) => {
        c.programs[1].defaultLocale = 'xx';
      },
      'programs.1.defaultLocale',
    ],
    [
      'a rule on an undeclared queue',
      (c: Declared) => {
        c.programs[0].rules[0].queue = 'sales';
      },
      'programs.0.rules.0.queue: "sales" is not a declared follow-up queue',
    ],
    [
      'a threshold outside the scale',
      (c: Declared) => {
        c.programs[2].rules[0].when.scoreAtLeast = 9;
      },
      'programs.2.rules.0.when.scoreAtLeast: 9 is outside the ces scale',
    ],
    [
      'a duplicate program id',
      (c: Declared) => {
        c.programs[1].id = c.programs[0].id;
      },
      'programs.1.id',
    ],
    [
      'a program id that is not kebab-case',
      (c: Declared) => {
        c.programs[0].id = 'Order Delivered';
      },
      'programs.0.id',
    ],
    [
      'no programs',
      (c: Declared) => {
        c.programs = [];
      },
      'programs',
    ],
    [
      'a delay in months',
      (c: Declared) => {
        c.programs[0].delay = 'P1M';
      },
      'programs.0.delay: "P1M" is not an ISO 8601 duration',
    ],
    [
      'a sample rate above 1',
      (c: Declared) => {
        c.programs[0].sampleRate = 1.5;
      },
      'programs.0.sampleRate',
    ],
    [
      'a program cancelled by its own trigger',
      (c: Declared) => {
        c.programs[0].cancel.on = [c.programs[0].trigger];
      },
      'programs.0.cancel.on.0',
    ],
    [
      'a question in an unknown locale',
      (c: Declared) => {
        c.programs[0].question = { xx: 'Wie?' };
      },
      'programs.0.question',
    ],
    [
      'a team working an undeclared queue',
      (c: Declared) => {
        c.teams.support.queues = ['support', 'sales'];
      },
      'teams.support.queues.1: "sales" is not a follow-up queue (followUpQueues: customer-success, support, advocacy, escalation)',
    ],
    [
      'a program owned by no declared team',
      (c: Declared) => {
        c.programs[0].ownerTeam = 'marketing';
      },
      'programs.0.ownerTeam: "marketing" is not a team (teams: customer-success, support, team-leads)',
    ],
    [
      'an escalation to an undeclared queue',
      (c: Declared) => {
        c.programs[0].rules[1].escalateTo = ['board'];
      },
      'programs.0.rules.1.escalateTo.0: "board" is not a declared follow-up queue',
    ],
    [
      'an acknowledgement due after the resolution',
      (c: Declared) => {
        c.programs[0].rules[1].acknowledgeWithinHours = 48;
      },
      'programs.0.rules.1.acknowledgeWithinHours',
    ],
    [
      'an unknown classification in a rule',
      (c: Declared) => {
        c.programs[0].rules[1].when.classification = ['angry'];
      },
      'programs.0.rules.1.when.classification',
    ],
    [
      'quiet hours that are not times',
      (c: Declared) => {
        c.quietHours.start = '9pm';
      },
      'quietHours.start',
    ],
    [
      'a negative rest period',
      (c: Declared) => {
        c.throttle.afterResponseDays = -1;
      },
      'throttle.afterResponseDays',
    ],
    [
      'a brand without a name',
      (c: Declared) => {
        c.brand = {};
      },
      'brand.name: required',
    ],
    [
      'enabled that is not a boolean',
      (c: Declared) => {
        c.programs[0].enabled = 'no';
      },
      'programs.0.enabled',
    ],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const input = declaredCatalog();
    mutate(input);
    expect(() => parseCatalog(input)).toThrow(InvalidCatalogError);
    expect(() => parseCatalog(input)).toThrow(message);
  });

  describe('is strict: a misspelled or unknown key is an error naming its path', () => {
    it.each([
      [
        'a misspelled `when`',
        (c: Declared) => {
          c.programs[0].rules[1].wehn = c.programs[0].rules[1].when;
          delete c.programs[0].rules[1].when;
        },
        'programs.0.rules.1.wehn: unknown key (did you mean "when"?)',
      ],
      [
        'a misspelled `kind`',
        (c: Declared) => {
          c.programs[1].kidn = c.programs[1].kind;
          delete c.programs[1].kind;
        },
        'programs.1.kidn: unknown key (did you mean "kind"?)',
      ],
      [
        'an unsupported `when.topic`',
        (c: Declared) => {
          c.programs[0].rules[2].when.topic = 'delivery';
        },
        'programs.0.rules.2.when.topic: unknown key (expected one of: scoreAtMost',
      ],
      [
        'a top-level typo',
        (c: Declared) => {
          c.followUpQueus = c.followUpQueues;
        },
        'followUpQueus: unknown key (did you mean "followUpQueues"?)',
      ],
      [
        'a key inside a queue',
        (c: Declared) => {
          c.followUpQueues.support.descripton = 'x';
        },
        'followUpQueues.support.descripton: unknown key (did you mean "description"?)',
      ],
      [
        'a deployment setting in the catalog',
        (c: Declared) => {
          c.senderEmail = 'a@b.example';
        },
        'senderEmail: unknown key',
      ],
    ])('%s', (_, mutate, message) => {
      const input = declaredCatalog();
      mutate(input);
      let problems: readonly string[] = [];
      try {
        parseCatalog(input);
      } catch (error) {
        problems = (error as InvalidCatalogError).problems;
      }
      expect(problems.some((p) => p.startsWith(message))).toBe(true);
    });

    it('reports a misspelled required key once, as the misspelling', () => {
      const input = declaredCatalog();
      input.programs[0].rules[1].wehn = input.programs[0].rules[1].when;
      delete input.programs[0].rules[1].when;
      expect(() => parseCatalog(input)).toThrow(/^Invalid catalog: programs\.0\.rules\.1\.wehn: unknown key \(did you mean "when"\?\)$/);
    });

    it('suggests only what is close', () => {
      expect(suggest('tiers', ['tier', 'segment'])).toBe('tier');
      expect(suggest('colour', ['tier', 'segment'])).toBeUndefined();
    });
  });

  describe('the file', () => {
    it('is found in the current folder or a parent, .yaml before .yml before .json', () => {
      const dir = tempDir();
      const nested = path.join(dir, 'a', 'b');
      mkdirSync(nested, { recursive: true });
      expect(findCatalogFile(nested)).not.toBe(path.join(dir, 'closeloop.json'));
      writeFileSync(path.join(dir, 'closeloop.json'), '{}');
      expect(findCatalogFile(nested)).toBe(path.join(dir, 'closeloop.json'));
      writeFileSync(path.join(dir, 'a', 'closeloop.yml'), '');
      expect(findCatalogFile(nested)).toBe(path.join(dir, 'a', 'closeloop.yml'));
      writeFileSync(path.join(dir, 'a', 'closeloop.yaml'), '');
      expect(findCatalogFile(nested)).toBe(path.join(dir, 'a', 'closeloop.yaml'));
    });

    it('is chosen by --catalog, then CLOSELOOP_CATALOG (an empty value counts as unset), then the search', () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'closeloop.yaml'), '');
      writeFileSync(path.join(dir, 'other.yaml'), '');
      writeFileSync(path.join(dir, 'env.yaml'), '');
      expect(resolveCatalogPath({ cwd: dir, env: {} })).toBe(path.join(dir, 'closeloop.yaml'));
      expect(resolveCatalogPath({ cwd: dir, env: { CLOSELOOP_CATALOG: '' } })).toBe(path.join(dir, 'closeloop.yaml'));
      expect(resolveCatalogPath({ cwd: dir, env: { CLOSELOOP_CATALOG: 'env.yaml' } })).toBe(path.join(dir, 'env.yaml'));
      expect(resolveCatalogPath({ cwd: dir, env: { CLOSELOOP_CATALOG: 'env.yaml' }, flag: 'other.yaml' })).toBe(path.join(dir, 'other.yaml'));
      expect(() => resolveCatalogPath({ cwd: dir, env: {}, flag: 'missing.yaml' })).toThrow(CatalogNotFoundError);
    });

    it('says where to put one when there is none', () => {
      expect(() => resolveCatalogPath({ cwd: os.tmpdir() === '/' ? '/' : path.parse(os.tmpdir()).root, env: {} })).toThrow(
        /no closeloop\.yaml, closeloop\.yml, closeloop\.json in .*--catalog <file> or CLOSELOOP_CATALOG/,
      );
    });

    it('reads YAML and JSON alike', () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'closeloop.json'), JSON.stringify(declaredCatalog()));
      writeFileSync(path.join(dir, 'closeloop.yml'), stringify(declaredCatalog()));
      expect(loadCatalogFile(path.join(dir, 'closeloop.json'))).toEqual(loadCatalogFile(DEMO_CATALOG_FILE));
      expect(loadCatalogFile(path.join(dir, 'closeloop.yml'))).toEqual(loadCatalogFile(DEMO_CATALOG_FILE));
    });

    it('names the line of a YAML syntax error, and a duplicated key', () => {
      const dir = tempDir();
      const file = path.join(dir, 'closeloop.yaml');
      writeFileSync(file, 'brand:\n  name: Shop\nprograms: [\n');
      expect(() => loadCatalogFile(file)).toThrow(CatalogFileError);
      expect(() => loadCatalogFile(file)).toThrow(/closeloop\.yaml:\d+:\d+: not valid YAML/);
      writeFileSync(file, 'brand:\n  name: Shop\nbrand:\n  name: Other\n');
      expect(() => loadCatalogFile(file)).toThrow(/closeloop\.yaml:3:1: not valid YAML/);
    });

    it('prefixes schema problems with the file name', () => {
      const dir = tempDir();
      const file = path.join(dir, 'closeloop.yaml');
      const input = declaredCatalog();
      input.programs[0].kidn = 'nps';
      writeFileSync(file, stringify(input));
      expect(() => loadCatalogFile(file)).toThrow('Invalid catalog: closeloop.yaml: programs.0.kidn: unknown key (did you mean "kind"?)');
    });
  });

  describe('the JSON Schema for editors', () => {
    it('is the committed file, generated from the zod schema (run `npm run schemas` when this fails)', () => {
      for (const [file, text] of Object.entries(generatedSchemas())) {
        expect(readFileSync(path.resolve(file), 'utf8'), `${file} is stale`).toBe(text);
      }
    });

    it('accepts the demo catalog and rejects a misspelled key, as zod does', () => {
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(catalogJsonSchema());
      expect(validate(declaredCatalog()), JSON.stringify(validate.errors)).toBe(true);
      const input = declaredCatalog();
      input.programs[0].rules[1].wehn = {};
      expect(validate(input)).toBe(false);
      expect(validate.errors?.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'wehn')).toBe(true);
    });
  });

  describe('languages and brand as data', () => {
    const german = (): Record<string, any> => ({
      ...structuredClone(loadCatalogFile(DEMO_CATALOG_FILE).locales.en),
      subject: 'Eine kurze Frage von {brand}',
      submit: 'Senden',
    });

    it('adds a language from a bundle file beside the catalog, usable as a default and in program wording', () => {
      const dir = tempDir();
      mkdirSync(path.join(dir, 'locales'));
      writeFileSync(path.join(dir, 'locales', 'de.yaml'), stringify(german()));
      const declared = declaredCatalog();
      declared.locales = { de: './locales/de.yaml' };
      declared.programs[0].defaultLocale = 'de';
      declared.programs[0].intro.de = 'Ihre Bestellung {context.orderId} ist angekommen.';
      writeFileSync(path.join(dir, 'closeloop.yaml'), stringify(declared));
      const catalog = loadCatalogFile(path.join(dir, 'closeloop.yaml'));
      expect(Object.keys(catalog.locales).sort()).toEqual(['de', 'en', 'et', 'fa', 'hr', 'th']);
      expect(catalog.locales.de?.subject).toBe('Eine kurze Frage von {brand}');
      expect(catalog.programs[0]?.defaultLocale).toBe('de');
    });

    it('takes a bundle inline too, and may replace a built-in one', () => {
      const declared = declaredCatalog();
      declared.locales = { de: german(), en: { ...german(), subject: 'A word from {brand}' } };
      const catalog = parseCatalog(declared);
      expect(catalog.locales.de?.submit).toBe('Senden');
      expect(catalog.locales.en?.subject).toBe('A word from {brand}');
    });

    it('names every string a bundle lacks', () => {
      const { thanksBody: _a, question, ...rest } = german();
      const declared = declaredCatalog();
      declared.locales = { de: { ...rest, question: { ...question, ces: undefined } } };
      const problems = (() => {
        try {
          parseCatalog(declared);
          return [];
        } catch (error) {
          return (error as InvalidCatalogError).problems;
        }
      })();
      expect(problems).toEqual(expect.arrayContaining(['locales.de.thanksBody: required', 'locales.de.question.ces: required']));
    });

    it('names a missing string in a bundle file with the file', () => {
      const dir = tempDir();
      const { unsubscribed: _gone, ...rest } = german();
      writeFileSync(path.join(dir, 'de.yaml'), stringify(rest));
      writeFileSync(path.join(dir, 'closeloop.yaml'), stringify({ ...declaredCatalog(), locales: { de: 'de.yaml' } }));
      expect(() => loadCatalogFile(path.join(dir, 'closeloop.yaml'))).toThrow('locales.de (de.yaml).unsubscribed: required');
      writeFileSync(path.join(dir, 'closeloop.yaml'), stringify({ ...declaredCatalog(), locales: { de: 'missing.yaml' } }));
      expect(() => loadCatalogFile(path.join(dir, 'closeloop.yaml'))).toThrow(/locales\.de: cannot read .*missing\.yaml \(ENOENT\)/);
    });

    it.each([
      [
        'a default language with no bundle',
        (c: Declared) => {
          c.programs[0].defaultLocale = 'de';
        },
        'programs.0.defaultLocale: "de" is not a built-in locale (en, et, fa, hr, th) or one under locales',
      ],
      [
        'wording in a language with no bundle',
        (c: Declared) => {
          c.programs[1].question.sv = 'Hur?';
        },
        'programs.1.question.sv: "sv" is not a built-in locale',
      ],
      [
        'topic keywords in a language with no bundle',
        (c: Declared) => {
          c.topics.price.de = ['Preis'];
        },
        'topics.price.de: "de" is not a built-in locale',
      ],
      [
        'a tag that is not lower-case BCP 47',
        (c: Declared) => {
          c.locales = { DE: 'x.yaml' };
        },
        'locales.DE',
      ],
      [
        'a logo that is not https',
        (c: Declared) => {
          c.brand.logoUrl = 'http://cdn.example/logo.png';
        },
        'brand.logoUrl',
      ],
      [
        'an accent that is not a colour',
        (c: Declared) => {
          c.brand.accentColor = 'teal';
        },
        'brand.accentColor',
      ],
      [
        'a footer of more than 500 characters',
        (c: Declared) => {
          c.brand.footer = 'x'.repeat(501);
        },
        'brand.footer',
      ],
    ])('rejects %s, naming it', (_, mutate, message) => {
      const input = declaredCatalog();
      mutate(input);
      expect(() => parseCatalog(input)).toThrow(message);
    });
  });
});
