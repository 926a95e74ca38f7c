import { announceTarget, type Command, UsageError } from './args.js';
import { callCaseApi, resolveCaseApi } from './case-api.js';
import { print, printJson } from './output.js';

interface Outcome {
  readonly digestId: string;
  readonly week: { from: string; to: string };
  readonly recipients: readonly { to: string; status: string; reason?: string }[];
}

export const digestCommand: Command = {
  name: 'digest',
  summary: 'send a weekly digest now (Slack and email)',
  help: `Usage:
  closeloop digest send <digestId> [--week <yyyy-mm-dd>] [--json]

Sends the digest of the last complete week (Monday to Sunday in the digest's time zone), or of the
week that holds --week, to each of its recipients that has not had that week's digest yet: a
second send of the same week sends nothing. The digests and their schedules are in closeloop.yaml
(digests:); see docs/digests.md.

Options:
  --week <day>         a day of the week to send, e.g. 2026-11-23 (default: the last complete week)
  --api-url <url>      the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)
  --json               print the answer as JSON

It calls POST /digests/{digestId}/send: against a deployed stack signed with your AWS credentials
(IAM); in the sandbox, where no schedule runs, this command is the trigger. Exit codes: 0 done,
1 failed (a recipient could not be sent to: sending again sends only to it), 2 usage, 3 no such
digest, 5 credentials.`,
  options: { 'api-url': { type: 'string' }, week: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 2, max: 2 },
  async run([action, digestId], values) {
    if (action !== 'send') throw new UsageError(`unknown action "${action}" (send)`, 'digest');
    const week = values.week as string | undefined;
    if (week !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(week) || Number.isNaN(Date.parse(week)))) {
      throw new UsageError(`--week: "${week}" is not a day such as 2026-11-23`, 'digest');
    }
    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    announceTarget(api.description);
    const outcome = (await callCaseApi(api, 'POST', `/digests/${encodeURIComponent(digestId as string)}/send`, week ? { week } : {})) as Outcome;
    if (values.json) {
      printJson(outcome);
      return 0;
    }
    print(`digest "${outcome.digestId}", week ${outcome.week.from} … ${outcome.week.to}:`);
    for (const r of outcome.recipients) print(`  ${r.to}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
    return 0;
  },
};
