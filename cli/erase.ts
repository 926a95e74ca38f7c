import * as z from 'zod/mini';
import { erasureReportSchema } from '../functions/erase/http.js';
import { announceTarget, type Command } from './args.js';
import { type AnswerShape, callCaseApi, resolveCaseApi } from './case-api.js';
import { print, printJson } from './output.js';

/** Only an erasure report (the route's own schema) is printed as done. */
const ERASURE_REPORT: AnswerShape = { describe: 'an erasure report', accepts: (value) => z.safeParse(erasureReportSchema, value).success };

export const eraseCommand: Command = {
  name: 'erase',
  summary: "erase a person's data and suppress the address (right to erasure)",
  help: `Usage:
  closeloop erase <email> [--api-url <url>] [--json]

Removes or anonymises everything tied to the address (invitations, answers, comments, cases,
notes, rest periods), keeps the anonymous counters, and suppresses the address for good. Idempotent.

Options:
  --api-url <url>   the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)
  --json            print the erasure report as JSON`,
  options: { 'api-url': { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run([email], values) {
    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    announceTarget(api.description);
    const report = (await callCaseApi(api, 'POST', '/erasures', { email }, ERASURE_REPORT)) as z.infer<typeof erasureReportSchema>;
    if (values.json) {
      printJson(report);
      return 0;
    }
    print(`erased contact ${String(report.contactKey)} at ${String(report.erasedAt)}; the address is suppressed.`);
    print(
      `  invitations deleted ${String(report.invitationsDeleted)}, responses anonymised ${String(report.responsesAnonymised)}, ` +
        `cases anonymised ${String(report.casesAnonymised)}, rest periods deleted ${String(report.contactRecordsDeleted)}, ` +
        `notifications deleted ${String(report.notificationsDeleted)}`,
    );
    return 0;
  },
};
