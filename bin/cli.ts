/**
 * `closeloop` — the command line of teams closing the loop.
 *   closeloop case show <caseId>
 *   closeloop case ack <caseId> [--note "…"]
 *   closeloop case resolve <caseId> --root-cause <tag> [--note "…"]
 * Against a deployed stack with --api-url <ApiUrl> (or CLOSELOOP_API_URL) and your AWS credentials;
 * otherwise against the running sandbox.
 */
import { parseArgs } from 'node:util';
import { callCaseApi, CliError, resolveCaseApi } from '../lib/cli/case-client.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage:
  closeloop case show <caseId>
  closeloop case ack <caseId> [--note "…"]
  closeloop case resolve <caseId> --root-cause <tag> [--note "…"]
Options: --api-url <url>  the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the running sandbox)
         --json           print the case as JSON`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { 'api-url': { type: 'string' }, note: { type: 'string' }, 'root-cause': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [group, command, caseId] = positionals;
  if (values.help || group !== 'case' || !command || !caseId) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const api = resolveCaseApi(values['api-url']);
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
  } else {
    const record = result as { status: string; message: { caseId: string; rule: string; queue: string; score: number; customer: { id: string } }; history: { at: string; actor: string; action: string }[] };
    console.log(`case ${record.message.caseId}: ${record.status} (rule ${record.message.rule}, queue ${record.message.queue}, score ${record.message.score}, customer ${record.message.customer.id})`);
    for (const change of record.history) console.log(`  ${change.at}  ${change.action.padEnd(12)} ${change.actor}`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof CliError || (error instanceof Error && error.name === 'TypeError' && error.message.includes('parseArgs'))
    ? error.message : `closeloop: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
