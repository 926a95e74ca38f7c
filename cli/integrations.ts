import { announceTarget, type Command, UsageError } from './args.js';
import { callCaseApi, resolveCaseApi } from './case-api.js';
import { print, printJson } from './output.js';

export const integrationsCommand: Command = {
  name: 'integrations',
  summary: 'replay deliveries to an integration (webhook, Slack, Zendesk)',
  help: `Usage:
  closeloop integrations replay <integrationId> --since <ISO time> [--json]

Re-sends every event delivered (or tried) to the integration since that time, through its queue,
with the same webhook-id: a receiver that de-duplicates on it sees each event once (a Zendesk
integration looks each case's ticket up first and opens no second one). Deliveries are logged for
30 days.

Options:
  --since <time>       ISO 8601, e.g. 2026-11-22T08:00:00Z
  --api-url <url>      the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)
  --json               print the answer as JSON

Against a deployed stack the request is signed with your AWS credentials (IAM). Exit codes:
0 done, 1 failed, 2 usage, 3 no such integration, 5 credentials.`,
  options: { 'api-url': { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 2, max: 2 },
  async run([action, integrationId], values) {
    if (action !== 'replay') throw new UsageError(`unknown action "${action}" (replay)`, 'integrations');
    const since = values.since as string | undefined;
    if (!since) throw new UsageError('replay needs --since <ISO time>', 'integrations');
    if (Number.isNaN(Date.parse(since)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(since)) {
      throw new UsageError(`--since: "${since}" is not an ISO 8601 time such as 2026-11-22T08:00:00Z`, 'integrations');
    }
    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    announceTarget(api.description);
    const result = (await callCaseApi(api, 'POST', `/integrations/${encodeURIComponent(integrationId as string)}/replay`, {
      since: new Date(since).toISOString(),
    })) as { replayed: number; webhookIds: string[] };
    if (values.json) printJson(result);
    else print(`${result.replayed} deliver${result.replayed === 1 ? 'y' : 'ies'} of "${integrationId}" since ${new Date(since).toISOString()} queued again`);
    return 0;
  },
};
