import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { CatalogNotFoundError, loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { describeIssues, producerEventSchema } from '../functions/domain/event.js';
import { type Trigger, triggersOf } from '../functions/domain/program.js';
import { announceTarget, CliError, type Command, EXIT, UsageError } from './args.js';
import { print, printError } from './output.js';
import { localSandbox } from './target.js';

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;
/** PutEvents' limit for one entry (its Source, DetailType, Detail and Resources). */
const MAX_ENTRY_BYTES = 256 * 1024;

/** Line and column (1-based) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The file's JSON, or an error naming the line and column where it stops being JSON. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : /end of (JSON )?input/i.test(message) ? text.length : undefined;
    const where = offset === undefined ? '' : (({ line, column }) => `:${line}:${column}`)(lineAndColumn(text, offset));
    throw new CliError(`${file}${where}: not valid JSON (${message.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '')})`);
  }
}

/** A PutEvents entries array, or `{ "Entries": [...] }` as `aws events put-events --cli-input-json` takes it. */
function entriesOf(file: string, value: unknown): unknown[] {
  const entries = Array.isArray(value) ? value : (value as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new CliError(
      `${file}: expected a PutEvents entries array ([{ "Source", "DetailType", "Detail" }, …]) or { "Entries": [ … ] }, with at least one entry`,
    );
  }
  return entries;
}

/** Every problem of one entry, as PutEvents and then Closeloop (event contract v1, the catalog's triggers) would see it. */
export function entryProblems(entry: unknown, triggers?: readonly Trigger[]): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return ['not an object with Source, DetailType and Detail'];
  const { Source, DetailType, Detail } = entry as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, value] of [
    ['Source', Source],
    ['DetailType', DetailType],
  ] as const) {
    if (typeof value !== 'string' || !value) problems.push(`${name}: required, a non-empty string`);
  }
  if (typeof Detail !== 'string') {
    problems.push('Detail: required, the JSON text of the detail (PutEvents takes it as a string, not an object)');
    return problems;
  }
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) problems.push('the entry is over 256 KB, PutEvents refuses it');
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    return [...problems, 'Detail: not JSON text'];
  }
  const parsed = z.safeParse(producerEventSchema(), { source: Source, 'detail-type': DetailType, detail }, { error: en().localeError });
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues).split('; '));
  if (triggers && typeof Source === 'string' && typeof DetailType === 'string' && !triggers.some((t) => t.source === Source && t.detailType === DetailType)) {
    problems.push(`no survey program of the catalog starts or cancels on Source "${Source}" and DetailType "${DetailType}"`);
  }
  return problems;
}

const label = (entry: unknown, index: number) => {
  const { Source, DetailType, Detail } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  let eventId: unknown;
  try {
    eventId = typeof Detail === 'string' ? (JSON.parse(Detail) as { eventId?: unknown })?.eventId : undefined;
  } catch {
    eventId = undefined;
  }
  const what = typeof Source === 'string' && typeof DetailType === 'string' ? ` ${Source}/${DetailType}` : '';
  return `entry ${index + 1}${what}${typeof eventId === 'string' ? ` (eventId ${eventId})` : ''}`;
};

/** The catalog's triggers, when a catalog is named or found; otherwise the contract alone is checked. */
function catalogTriggers(flag: string | undefined): Trigger[] | undefined {
  try {
    return triggersOf(loadCatalogFile(resolveCatalogPath({ flag })));
  } catch (error) {
    if (error instanceof CatalogNotFoundError && flag === undefined) {
      process.stderr.write('no closeloop.yaml found: checking event contract v1 only, not which source and detail-type start a program\n');
      return undefined;
    }
    throw error;
  }
}

/** Prints each entry's verdict; true when all are valid. */
function report(entries: unknown[], triggers: Trigger[] | undefined): boolean {
  let valid = true;
  entries.forEach((entry, index) => {
    const problems = entryProblems(entry, triggers);
    if (!problems.length) {
      print(`${label(entry, index)}: valid`);
      return;
    }
    valid = false;
    printError(`${label(entry, index)}: invalid`);
    for (const problem of problems) printError(`  ${problem}`);
  });
  return valid;
}

async function put(file: string, entries: unknown[], values: Record<string, string | boolean | undefined>): Promise<number> {
  const bus = values.bus as string | undefined;
  let client: EventBridgeClient;
  let busName: string;
  if (bus) {
    client = new EventBridgeClient({});
    busName = bus;
    announceTarget(`EventBridge bus ${bus} (AWS, region ${(await client.config.region()) || 'from your AWS configuration'})`);
  } else {
    const sandbox = await localSandbox();
    if (!sandbox)
      throw new CliError(
        'closeloop events put: no --bus and no running sandbox in this folder. Start it with `npx closeloop sandbox`, or give --bus <name or ARN>.',
      );
    client = new EventBridgeClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.eventbridge });
    busName = sandbox.busName;
    announceTarget(`sandbox bus ${sandbox.busName} at ${sandbox.endpoints.eventbridge}`);
  }
  let failed = 0;
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH).map((entry) => ({ ...(entry as PutEventsRequestEntry), EventBusName: busName }));
    let result;
    try {
      result = await client.send(new PutEventsCommand({ Entries: batch }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'CredentialsProviderError' || name === 'UnrecognizedClientException' || name === 'AccessDeniedException') {
        throw new CliError(`${file}: EventBridge refused the call (${(error as Error).message})`, EXIT.credentials);
      }
      throw error;
    }
    (result.Entries ?? []).forEach((outcome, j) => {
      if (outcome.ErrorCode) {
        failed++;
        printError(`${label(entries[i + j], i + j)}: not put (${outcome.ErrorCode}: ${outcome.ErrorMessage ?? ''})`);
      } else print(`${label(entries[i + j], i + j)}: put, EventId ${outcome.EventId}`);
    });
  }
  return failed ? EXIT.failure : EXIT.ok;
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'check business events against event contract v1, or put them on the bus (for producers)',
  help: `Usage:
  closeloop events validate <file.json> [--catalog <file>]
  closeloop events put <file.json> [--bus <name-or-arn>] [--catalog <file>] [--skip-validation]

<file.json> holds PutEvents entries: an array of { "Source", "DetailType", "Detail" } (Detail is the
JSON text of the detail, as PutEvents and \`aws events put-events --entries file://…\` take it), or
{ "Entries": [ … ] } (as \`--cli-input-json\` takes it). EventBusName in the file is ignored by put.

validate  checks each entry against event contract v1 (the same zod schema Closeloop runs) and, when
          a catalog is found (--catalog, CLOSELOOP_CATALOG, the nearest closeloop.yaml), that a
          program starts or cancels on its Source and DetailType. Prints each entry's verdict and
          each problem, naming the field. Malformed JSON is reported with its line and column.
put       validates, then puts the entries (10 per PutEvents call) on the sandbox running in this
          folder, or with --bus on that bus in AWS (your AWS credentials and region). The target is
          printed first, on stderr.

Options:
  --catalog <file>      the catalog whose triggers the entries must match
  --bus <name-or-arn>   put on this EventBridge bus (the EventBusName or EventBusArn output)
  --skip-validation     put: put the entries as they are (e.g. to see EventRejected)

Exit codes: 0 all valid (or all put), 1 an entry invalid (or not put) or the file unreadable,
2 usage, 5 credentials.`,
  options: { catalog: { type: 'string' }, bus: { type: 'string' }, 'skip-validation': { type: 'boolean' } },
  positionals: { min: 2, max: 2 },
  async run([action, file], values) {
    if (action !== 'validate' && action !== 'put') throw new UsageError(`unknown action "${action}" (validate, put)`, 'events');
    if (action === 'validate' && (values.bus || values['skip-validation'])) throw new UsageError('--bus and --skip-validation go with put', 'events');
    const entries = entriesOf(file as string, readJson(file as string));
    if (action === 'validate') return report(entries, catalogTriggers(values.catalog as string | undefined)) ? EXIT.ok : EXIT.failure;
    if (!values['skip-validation'] && !report(entries, catalogTriggers(values.catalog as string | undefined))) {
      printError('nothing was put (use --skip-validation to put them anyway)');
      return EXIT.failure;
    }
    return put(file as string, entries, values);
  },
};
