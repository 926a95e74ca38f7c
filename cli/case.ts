import { announceTarget, type Command, UsageError } from './args.js';
import { callCaseApi, resolveCaseApi } from './case-api.js';

interface CaseRecord {
  status: string;
  message: { caseId: string; rule: string; queue: string; score: number; customer: { id: string } };
  history: { at: string; actor: string; action: string }[];
}

const API_URL = "--api-url <url>      the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)";

export const caseCommand: Command = {
  name: 'case',
  summary: 'show, acknowledge or resolve a follow-up case',
  help: `Usage:
  closeloop case show <caseId> [--json]
  closeloop case ack <caseId> [--note "…"]
  closeloop case resolve <caseId> --root-cause <tag> [--note "…"] [--reply "…"]

Options:
  --root-cause <tag>   resolve: one of the catalog's rootCauses
  --note "…"           an internal note kept in the case history; never sent to the customer
  --reply "…"          resolve: the public reply, kept in the case history and emailed to the respondent
                       when the rule says notifyRespondent.onResolve (without it, nothing is sent)
  ${API_URL}
  --json               print the case as JSON

Against a deployed stack the request is signed with your AWS credentials (IAM). Exit codes:
0 done, 1 failed, 2 usage, 3 no such case, 4 conflict (e.g. already resolved), 5 credentials.`,
  options: {
    'api-url': { type: 'string' },
    note: { type: 'string' },
    reply: { type: 'string' },
    'root-cause': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 2, max: 2 },
  async run([action, caseId], values) {
    if (!['show', 'ack', 'resolve'].includes(action as string)) throw new UsageError(`unknown action "${action}" (show, ack, resolve)`, 'case');
    if (action === 'resolve' && !values['root-cause']) throw new UsageError('resolve needs --root-cause <tag>', 'case');
    if (action !== 'resolve' && values['root-cause']) throw new UsageError('--root-cause goes with resolve', 'case');
    if (action === 'show' && values.note) throw new UsageError('--note goes with ack and resolve', 'case');
    if (action !== 'resolve' && values.reply !== undefined) throw new UsageError('--reply goes with resolve', 'case');
    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    const path = `/cases/${encodeURIComponent(caseId as string)}`;
    let result: unknown;
    if (action === 'show') {
      result = await callCaseApi(api, 'GET', path);
    } else {
      announceTarget(api.description);
      result =
        action === 'ack'
          ? await callCaseApi(api, 'POST', `${path}/acknowledge`, { note: values.note })
          : await callCaseApi(api, 'POST', `${path}/resolve`, { rootCause: values['root-cause'], note: values.note, reply: values.reply });
    }
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    const record = result as CaseRecord;
    console.log(
      `case ${record.message.caseId}: ${record.status} (rule ${record.message.rule}, queue ${record.message.queue}, score ${record.message.score}, customer ${record.message.customer.id})`,
    );
    for (const change of record.history) console.log(`  ${change.at}  ${change.action.padEnd(12)} ${change.actor}`);
    return 0;
  },
};
