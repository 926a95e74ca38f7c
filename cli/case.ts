import { announceTarget, type Command, UsageError } from './args.js';
import { callCaseApi, resolveCaseApi } from './case-api.js';
import { print, printJson } from './output.js';

interface CaseRecord {
  status: string;
  assignee?: string;
  message: { caseId: string; rule: string; queue: string; score: number; dueAt: string; customer: { id: string } };
  history: { at: string; actor: string; action: string; assignee?: string }[];
}

/** A line of `GET /cases` (functions/cases/inbox.ts `CaseSummary`). */
interface CaseSummary {
  caseId: string;
  status: string;
  queue: string;
  programId: string;
  score: number;
  dueAt: string;
  overdue: boolean;
  rung: number;
  assignee: string | null;
}

/** Pages `case list` follows at most: a longer inbox asks for a narrower filter. */
const MAX_LISTED = 1000;

const API_URL = "--api-url <url>      the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)";

export const caseCommand: Command = {
  name: 'case',
  summary: 'list, show, assign, acknowledge or resolve follow-up cases',
  help: `Usage:
  closeloop case list [--queue <queue>] [--status <status>[,<status>…]] [--overdue] [--json]
  closeloop case show <caseId> [--json]
  closeloop case assign <caseId> --to <assignee> [--note "…"]
  closeloop case ack <caseId> [--note "…"]
  closeloop case resolve <caseId> --root-cause <tag> [--note "…"] [--reply "…"]

Options:
  --queue <queue>      list: one follow-up queue of the catalog (default: all)
  --status <status>    list: open, acknowledged, escalated, resolved; several comma-separated
                       (default: open,acknowledged,escalated)
  --overdue            list: only cases past their resolve-by time
  --to <assignee>      assign: who works the case (named in its escalations)
  --root-cause <tag>   resolve: one of the catalog's rootCauses
  --note "…"           an internal note kept in the case history; never sent to the customer
  --reply "…"          resolve: the public reply, kept in the case history and emailed to the respondent
                       when the rule says notifyRespondent.onResolve (without it, nothing is sent)
  ${API_URL}
  --json               print the case (list: the cases) as JSON

Against a deployed stack the request is signed with your AWS credentials (IAM). Exit codes:
0 done, 1 failed, 2 usage, 3 no such case, 4 conflict (e.g. already resolved), 5 credentials.`,
  options: {
    'api-url': { type: 'string' },
    note: { type: 'string' },
    reply: { type: 'string' },
    'root-cause': { type: 'string' },
    to: { type: 'string' },
    queue: { type: 'string' },
    status: { type: 'string' },
    overdue: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 2 },
  async run([action, caseId], values) {
    if (!['list', 'show', 'assign', 'ack', 'resolve'].includes(action as string)) {
      throw new UsageError(`unknown action "${action}" (list, show, assign, ack, resolve)`, 'case');
    }
    if (action === 'list') return list(caseId, values);
    if (caseId === undefined) throw new UsageError('missing argument', 'case');
    for (const flag of ['queue', 'status', 'overdue']) if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with list`, 'case');
    if (action === 'resolve' && !values['root-cause']) throw new UsageError('resolve needs --root-cause <tag>', 'case');
    if (action !== 'resolve' && values['root-cause']) throw new UsageError('--root-cause goes with resolve', 'case');
    if (action === 'assign' && !values.to) throw new UsageError('assign needs --to <assignee>', 'case');
    if (action !== 'assign' && values.to !== undefined) throw new UsageError('--to goes with assign', 'case');
    if (action === 'show' && values.note) throw new UsageError('--note goes with assign, ack and resolve', 'case');
    if (action !== 'resolve' && values.reply !== undefined) throw new UsageError('--reply goes with resolve', 'case');
    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    const path = `/cases/${encodeURIComponent(caseId)}`;
    let result: unknown;
    if (action === 'show') {
      result = await callCaseApi(api, 'GET', path);
    } else {
      announceTarget(api.description);
      result =
        action === 'ack'
          ? await callCaseApi(api, 'POST', `${path}/acknowledge`, { note: values.note })
          : action === 'assign'
            ? await callCaseApi(api, 'POST', `${path}/assign`, { assignee: values.to, note: values.note })
            : await callCaseApi(api, 'POST', `${path}/resolve`, { rootCause: values['root-cause'], note: values.note, reply: values.reply });
    }
    if (values.json) {
      printJson(result);
      return 0;
    }
    const record = result as CaseRecord;
    print(
      `case ${record.message.caseId}: ${record.status} (rule ${record.message.rule}, queue ${record.message.queue}, score ${record.message.score}, customer ${record.message.customer.id})`,
    );
    print(`  due ${record.message.dueAt}${record.assignee ? `, assigned to ${record.assignee}` : ''}`);
    for (const change of record.history) {
      print(`  ${change.at}  ${change.action.padEnd(12)} ${change.actor}${change.assignee ? ` → ${change.assignee}` : ''}`);
    }
    return 0;
  },
};

/** `case list`: follows the inbox's cursor page by page; a table, or the cases as JSON. */
async function list(extra: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, 'case');
  for (const flag of ['note', 'reply', 'root-cause', 'to']) if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with list`, 'case');
  const api = await resolveCaseApi(values['api-url'] as string | undefined);
  const query = new URLSearchParams();
  if (values.queue !== undefined) query.set('queue', String(values.queue));
  if (values.status !== undefined) query.set('status', String(values.status));
  if (values.overdue) query.set('overdue', 'true');
  query.set('limit', '100');
  const items: CaseSummary[] = [];
  let cursor: string | null = null;
  do {
    if (cursor) query.set('cursor', cursor);
    const page = (await callCaseApi(api, 'GET', `/cases?${query}`)) as { items: CaseSummary[]; cursor: string | null };
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && items.length < MAX_LISTED);
  if (values.json) {
    printJson(items);
  } else {
    print(inboxTable(items));
  }
  if (cursor) process.stderr.write(`more than ${MAX_LISTED} cases: narrow the list with --queue, --status or --overdue\n`);
  return 0;
}

/** The readable inbox: one case a line, in columns. */
export function inboxTable(items: readonly CaseSummary[]): string {
  if (!items.length) return 'no cases';
  const rows = [
    ['CASE', 'STATUS', 'QUEUE', 'PROGRAM', 'SCORE', 'DUE', 'RUNG', 'ASSIGNEE'],
    ...items.map((item) => [
      item.caseId,
      item.status,
      item.queue,
      item.programId,
      String(item.score),
      `${item.dueAt.slice(0, 16).replace('T', ' ')}${item.overdue ? ' OVERDUE' : ''}`,
      String(item.rung),
      item.assignee ?? '-',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
