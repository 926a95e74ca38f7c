/**
 * `closeloop` — the command line of teams closing the loop.
 *   closeloop case show|ack|resolve <caseId> …   follow-up cases (see --help)
 *   closeloop erase <email>                      erase a person's data, suppress the address
 *   closeloop report [--program id] [--segment s] [--from d] [--to d] [--granularity day|week|month] [--json|--csv|--html file]
 * Against a deployed stack (--api-url / --table, your AWS credentials) or the running sandbox.
 */
import { parseArgs } from 'node:util';
import { CatalogFileError, CatalogNotFoundError, loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { InvalidCatalogError } from '../functions/config/catalog-schema.js';
import { callCaseApi, CliError, resolveCaseApi } from '../lib/cli/case-client.js';
import { reportCommand } from '../lib/cli/report-command.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage:
  closeloop validate [file]                     check a catalog (default: --catalog, CLOSELOOP_CATALOG, else the nearest closeloop.yaml)
  closeloop case show <caseId>
  closeloop case ack <caseId> [--note "…"]
  closeloop case resolve <caseId> --root-cause <tag> [--note "…"]
  closeloop erase <email>
  closeloop report [--program <id>] [--segment <s>] [--from yyyy-mm-dd] [--to yyyy-mm-dd]
                   [--granularity day|week|month] [--json | --csv | --html <file>]
Options: --api-url <url>  cases, erase: the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the running sandbox)
         --table <name>   report: the stack's SurveyTableName output (default: CLOSELOOP_TABLE, else the running sandbox)
         --catalog <file> the catalog (default: CLOSELOOP_CATALOG, else the nearest closeloop.yaml)
         --json           print JSON`;

/** Checks a catalog file as `cdk synth` and the sandbox would: 0 valid, 1 invalid (each problem on stderr). */
function validateCommand(file: string | undefined, values: Record<string, string | boolean | undefined>): number {
  let path: string;
  try {
    path = resolveCatalogPath({ flag: file ?? (values.catalog as string | undefined) });
    const catalog = loadCatalogFile(path);
    const queues = Object.keys(catalog.followUpQueues).length;
    console.log(`${path}: valid (brand "${catalog.brand.name}", ${catalog.programs.length} programs, ${queues} follow-up queues)`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidCatalogError) {
      for (const problem of error.problems) console.error(problem);
      return 1;
    }
    if (error instanceof CatalogNotFoundError || error instanceof CatalogFileError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

async function caseCommand(command: string | undefined, caseId: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (!command || !caseId) {
    console.log(USAGE);
    return 2;
  }
  const api = resolveCaseApi(values['api-url'] as string | undefined);
  const path = `/cases/${encodeURIComponent(caseId)}`;
  let result: unknown;
  switch (command) {
    case 'show': result = await callCaseApi(api, 'GET', path); break;
    case 'ack': result = await callCaseApi(api, 'POST', `${path}/acknowledge`, { note: values.note }); break;
    case 'resolve':
      if (!values['root-cause']) throw new CliError('resolve needs --root-cause <tag>');
      result = await callCaseApi(api, 'POST', `${path}/resolve`, { rootCause: values['root-cause'], note: values.note });
      break;
    default:
      console.log(USAGE);
      return 2;
  }
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const record = result as { status: string; message: { caseId: string; rule: string; queue: string; score: number; customer: { id: string } }; history: { at: string; actor: string; action: string }[] };
  console.log(`case ${record.message.caseId}: ${record.status} (rule ${record.message.rule}, queue ${record.message.queue}, score ${record.message.score}, customer ${record.message.customer.id})`);
  for (const change of record.history) console.log(`  ${change.at}  ${change.action.padEnd(12)} ${change.actor}`);
  return 0;
}

/** Right to erasure: removes or anonymises everything tied to the address and suppresses it. */
async function eraseCommand(email: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (!email) {
    console.log(USAGE);
    return 2;
  }
  const report = await callCaseApi(resolveCaseApi(values['api-url'] as string | undefined), 'POST', '/erasures', { email }) as Record<string, unknown>;
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  console.log(`erased contact ${String(report.contactKey)} at ${String(report.erasedAt)}; the address is suppressed.`);
  console.log(`  invitations deleted ${String(report.invitationsDeleted)}, responses anonymised ${String(report.responsesAnonymised)}, `
    + `cases anonymised ${String(report.casesAnonymised)}, rest periods deleted ${String(report.contactRecordsDeleted)}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      'api-url': { type: 'string' }, note: { type: 'string' }, 'root-cause': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      table: { type: 'string' }, program: { type: 'string' }, segment: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
      granularity: { type: 'string' }, csv: { type: 'boolean' }, html: { type: 'string' }, catalog: { type: 'string' },
    },
  });
  const [group, command, caseId] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (group === 'validate') return validateCommand(command, values);
  if (group === 'case') return caseCommand(command, caseId, values);
  if (group === 'erase') return eraseCommand(command, values);
  if (group === 'report') {
    console.log(await reportCommand(values));
    return 0;
  }
  console.log(USAGE);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const known = error instanceof CliError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
  console.error(known ? (error as Error).message : `closeloop: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
