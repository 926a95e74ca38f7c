/**
 * `closeloop`: the command line of teams closing the loop. One file per command in this folder; this
 * one finds the command, parses its flags strictly and maps errors to exit codes (see args.ts).
 * The executable is bin.ts.
 */
import { CatalogFileError, CatalogNotFoundError } from '../functions/config/catalog-file.js';
import { InvalidCatalogError } from '../functions/config/catalog-schema.js';
import { packageVersion } from '../functions/config/package-info.js';
import { announceCommand } from './announce.js';
import { CliError, type Command, EXIT, parseCommand, UsageError } from './args.js';
import { caseCommand } from './case.js';
import { demoCommand } from './demo.js';
import { digestCommand } from './digest.js';
import { eraseCommand } from './erase.js';
import { eventsCommand } from './events.js';
import { followUpsCommand } from './follow-ups.js';
import { integrationsCommand } from './integrations.js';
import { localeCommand } from './locale.js';
import { migrateCommand } from './migrate.js';
import { print, printError } from './output.js';
import { reportCommand } from './report.js';
import { sandboxCommand } from './sandbox.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Command[] = [
  sandboxCommand,
  demoCommand,
  validateCommand,
  eventsCommand,
  localeCommand,
  reportCommand,
  caseCommand,
  eraseCommand,
  followUpsCommand,
  integrationsCommand,
  announceCommand,
  digestCommand,
  migrateCommand,
];

export const USAGE = `Usage: closeloop <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

Run \`closeloop <command> --help\` for a command's options. \`closeloop --version\` prints the version.
Exit codes: 0 done, 1 failed, 2 usage, 3 not found, 4 conflict, 5 credentials.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? printError : print)(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    print(packageVersion());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"`);
  const { positionals, values, help } = parseCommand(command, rest);
  if (help) {
    print(command.help);
    return EXIT.ok;
  }
  return command.run(positionals, values);
}

/** Runs the command line and sets the exit code; messages go to stderr. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      printError(`closeloop${error.command ? ` ${error.command}` : ''}: ${error.message}`);
      printError(`Run \`closeloop ${error.command ? `${error.command} ` : ''}--help\` for usage.`);
    } else if (error instanceof CliError) {
      printError(`closeloop: ${error.message}`);
    } else if (error instanceof InvalidCatalogError) {
      for (const problem of error.problems) printError(problem);
    } else if (error instanceof CatalogNotFoundError || error instanceof CatalogFileError) {
      printError(`closeloop: ${error.message}`);
    } else {
      printError(`closeloop: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exitCode = error instanceof CliError ? error.exitCode : EXIT.failure;
  }
}
