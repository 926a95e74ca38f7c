import { stringify } from 'yaml';
import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { parseCatalog } from '../functions/config/catalog-schema.js';
import { LOCALE_TAG } from '../functions/config/locales.js';
import { type Command, EXIT, UsageError } from './args.js';

export const localeCommand: Command = {
  name: 'locale',
  summary: 'print a complete locale bundle to translate (a new language for your catalog)',
  help: `Usage:
  closeloop locale init <tag> [--from <tag>] [--catalog <file>]

Prints, on stdout, every string of the survey email and the pages (rating, confirmation, thank-you
and unsubscribe pages) in the language --from (default en), with its placeholders ({brand},
{name}, {support}), as a YAML bundle for <tag>. Translate it, save it beside your catalog and name
it there:

  npx closeloop locale init de --from en > locales/de.yaml
  # closeloop.yaml:
  locales:
    de: ./locales/de.yaml

--from may name a built-in language (en, et, hr, th, fa) or one of your catalog's.
\`closeloop validate\` names every string a bundle lacks.`,
  options: { from: { type: 'string' }, catalog: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  run([action, tag], values) {
    if (action !== 'init') throw new UsageError(`unknown action "${action}" (init)`, 'locale');
    if (!LOCALE_TAG.test(tag as string)) throw new UsageError(`"${tag}" is not a lower-case language tag such as "de" or "pt-br"`, 'locale');
    const from = (values.from as string | undefined) ?? 'en';
    // The catalog's languages if there is a catalog here (or named), else the built-in ones.
    let locales;
    try {
      locales = loadCatalogFile(resolveCatalogPath({ flag: values.catalog as string | undefined })).locales;
    } catch (error) {
      if (values.catalog) throw error;
      locales = parseCatalog(MINIMAL_CATALOG).locales;
    }
    const source = locales[from];
    if (!source) throw new UsageError(`--from ${from}: no such language (${Object.keys(locales).sort().join(', ')})`, 'locale');
    process.stdout.write(
      `# Closeloop locale bundle "${tag}", made from "${from}" by \`closeloop locale init\`: translate every value.\n` +
        '# Keep the placeholders in braces ({brand}, {name}, {support}) as they are; set dir: rtl for a right-to-left script.\n' +
        `# Name it in closeloop.yaml:  locales: { ${tag}: ./locales/${tag}.yaml }\n${stringify(source, { lineWidth: 0 })}`,
    );
    return EXIT.ok;
  },
};

/** The least catalog that validates: for the built-in bundles when no catalog is at hand. */
const MINIMAL_CATALOG = {
  brand: { name: 'x' },
  invitationTtlDays: 1,
  throttle: { afterSendDays: 0, afterResponseDays: 0 },
  quietHours: { start: '21:00', end: '08:00' },
  followUpQueues: {},
  topics: {},
  rootCauses: ['other'],
  programs: [{ id: 'x', trigger: { source: 'x', detailType: 'x' }, kind: 'nps', defaultLocale: 'en', ownerTeam: 'x', rules: [] }],
};
