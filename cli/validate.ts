import { CatalogFileError, CatalogNotFoundError, loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { InvalidCatalogError } from '../functions/config/catalog-schema.js';
import { type Command, EXIT } from './args.js';
import { print, printError } from './output.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a catalog (closeloop.yaml) as cdk synth and the sandbox would',
  help: `Usage:
  closeloop validate [file]

Checks the catalog: [file], else --catalog, else CLOSELOOP_CATALOG, else the nearest closeloop.yaml
from the current folder upward. Prints each problem on its own line, naming the field, e.g.
  closeloop.yaml: programs.0.rules.1.wehn: unknown key (did you mean "when"?)
Warnings (valid, but worth fixing: e.g. a locale bundle lacking strings English stands in for) are
printed as "warning: …" and do not change the exit code.
Exit codes: 0 valid, 1 invalid or unreadable, 2 usage.`,
  options: {},
  positionals: { min: 0, max: 1 },
  run([file], values) {
    try {
      const path = resolveCatalogPath({ flag: file ?? (values.catalog as string | undefined) });
      const warnings: string[] = [];
      const catalog = loadCatalogFile(path, { warn: (message) => warnings.push(message) });
      // Valid, but worth fixing: said on stderr, and the exit code stays 0.
      for (const warning of warnings) printError(`warning: ${warning}`);
      print(
        `${path}: valid (brand "${catalog.brand.name}", ${catalog.programs.length} programs, ${Object.keys(catalog.followUpQueues).length} follow-up queues)`,
      );
      return EXIT.ok;
    } catch (error) {
      if (error instanceof InvalidCatalogError) {
        for (const problem of error.problems) printError(problem);
        return EXIT.failure;
      }
      if (error instanceof CatalogNotFoundError || error instanceof CatalogFileError) {
        printError(error.message);
        return EXIT.failure;
      }
      throw error;
    }
  },
};
