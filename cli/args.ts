import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * The `closeloop` command's shared pieces: one argument parser for every command (unknown flags
 * rejected per command), the exit codes, and the errors that map to them.
 */

/** Exit codes, as docs/cli.md lists them. */
export const EXIT = {
  ok: 0,
  /** The operation failed (invalid catalog, the API answered with an error, nothing reachable). */
  failure: 1,
  /** The command line is wrong: unknown command or flag, missing argument. Nothing was done. */
  usage: 2,
  /** What was asked for does not exist (HTTP 404). */
  notFound: 3,
  /** The request conflicts with the current state, e.g. resolving a resolved case (HTTP 409). */
  conflict: 4,
  /** No AWS credentials, or the API refused them (HTTP 401/403). */
  credentials: 5,
} as const;

export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, EXIT.usage);
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** One command: its usage text, its own options, and what it does. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text (usage line, arguments, options, examples). */
  readonly help: string;
  readonly options: Options;
  /** Positional arguments: at least `min`, at most `max`. */
  readonly positionals: { readonly min: number; readonly max: number };
  run(positionals: string[], values: Values): Promise<number> | number;
}

/** Parses a command's arguments strictly; `--help` is every command's. */
export function parseCommand(command: Command, argv: string[]): { positionals: string[]; values: Values; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
    throw new UsageError(message, command.name);
  }
  const { help, ...values } = parsed.values as Values;
  if (help) return { positionals: parsed.positionals, values, help: true };
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing argument${min - parsed.positionals.length > 1 ? 's' : ''}`, command.name);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`, command.name);
  return { positionals: parsed.positionals, values, help: false };
}

/** Said on stderr before anything that writes, so it is never a surprise where it went. */
export function announceTarget(target: string): void {
  process.stderr.write(`target: ${target}\n`);
}
