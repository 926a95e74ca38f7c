import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type AnnouncementFilter, announcementIdFor, InvalidAnnouncementError, parseAnnouncementMessages } from '../functions/domain/announcement.js';
import { announceTarget, CliError, type Command, EXIT, UsageError } from './args.js';
import { callCaseApi, resolveCaseApi } from './case-api.js';
import { print, printJson } from './output.js';

interface Plan {
  announcementId: string;
  programId: string;
  dryRun: boolean;
  matched: number;
  recipients: number;
  byLocale: Record<string, number>;
  skipped: { suppressed: number; alreadyAnnounced: number };
}

/** The message file: read, parsed as YAML and checked (unknown keys, missing subject or body) before anything is sent. */
export function readMessageFile(file: string): { text: string; messages: ReturnType<typeof parseAnnouncementMessages> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--message-file: cannot read ${file} (${(error as Error).message})`, EXIT.usage);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new CliError(`${file}: not YAML (${(error as Error).message.split('\n')[0]})`, EXIT.usage);
  }
  try {
    return { text, messages: parseAnnouncementMessages(raw, file) };
  } catch (error) {
    if (error instanceof InvalidAnnouncementError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

export const announceCommand: Command = {
  name: 'announce',
  summary: '"you said, we did": email the respondents of a topic or root cause what changed',
  help: `Usage:
  closeloop announce --program <id> (--topic <topic> | --root-cause <cause>) --since <date>
                     --message-file <file> [--id <announcement-id>] [--dry-run] [--json]

Sends one email to every respondent of the program since the date whose answer carried the topic
(found in the comment by the catalog's taxonomy) or whose case was resolved with the root cause, in
their language where the message file has it, else the program's default locale. Suppressed and
erased people are skipped, and so is anyone this announcement id already reached: running it
twice sends nothing new. eNPS programs are refused (their answers are anonymous).

The message file is YAML, one entry per locale, and must hold the program's default locale:
  en:
    subject: You told us about late deliveries
    body: |
      Hello {name},

      you told us your parcel came late. Since March, {brand} ships from two more warehouses.
  de:
    subject: …
    body: …
Plain text; {name} and {brand} are filled; blank lines separate paragraphs.

Options:
  --program <id>         the survey program
  --topic <topic>        a topic of the catalog's taxonomy
  --root-cause <cause>   a root cause of the catalog (cases resolved with it)
  --since <date>         answers at or after it: 2026-03-01 or an ISO 8601 time
  --message-file <file>  the wording per locale (YAML)
  --id <id>              the announcement id (default: a hash of program, filter, date and message file)
  --dry-run              print the count per locale, send nothing
  --api-url <url>        the stack's ApiUrl output (default: CLOSELOOP_API_URL, else the sandbox running here)
  --json                 print the answer as JSON

Against a deployed stack the request is signed with your AWS credentials (IAM). Exit codes:
0 done, 1 failed (e.g. an eNPS program), 2 usage or a bad message file, 3 no such program, 5 credentials.`,
  options: {
    program: { type: 'string' },
    topic: { type: 'string' },
    'root-cause': { type: 'string' },
    since: { type: 'string' },
    'message-file': { type: 'string' },
    id: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'api-url': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(_positionals, values) {
    const programId = values.program as string | undefined;
    const topic = values.topic as string | undefined;
    const rootCause = values['root-cause'] as string | undefined;
    const since = values.since as string | undefined;
    const file = values['message-file'] as string | undefined;
    const id = values.id as string | undefined;
    if (!programId) throw new UsageError('--program <id> is required', 'announce');
    if ((topic === undefined) === (rootCause === undefined)) throw new UsageError('give exactly one of --topic and --root-cause', 'announce');
    if (!since) throw new UsageError('--since <date> is required', 'announce');
    if (!/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(since) || Number.isNaN(Date.parse(since))) {
      throw new UsageError(`--since: "${since}" is not a date (2026-03-01) or an ISO 8601 time with its offset (2026-03-01T08:00:00Z)`, 'announce');
    }
    if (!file) throw new UsageError('--message-file <file> is required', 'announce');
    if (id !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`--id: "${id}" must be 1–64 letters, digits, '-' or '_'`, 'announce');
    const { text, messages } = readMessageFile(file);
    const filter: AnnouncementFilter = topic !== undefined ? { topic } : { rootCause: rootCause as string };
    const sinceIso = new Date(since).toISOString();
    const announcementId = id ?? announcementIdFor(programId, filter, sinceIso, text);

    const api = await resolveCaseApi(values['api-url'] as string | undefined);
    announceTarget(api.description);
    const plan = (await callCaseApi(api, 'POST', '/announcements', {
      programId,
      ...filter,
      since: sinceIso,
      messages,
      announcementId,
      dryRun: values['dry-run'] === true,
    })) as Plan;
    if (values.json) {
      printJson(plan);
      return EXIT.ok;
    }
    const locales = Object.entries(plan.byLocale).map(([locale, n]) => `${locale} ${n}`);
    print(
      `announcement ${plan.announcementId} (${plan.programId}): ${plan.recipients} recipient${plan.recipients === 1 ? '' : 's'} ${plan.dryRun ? 'would be emailed (dry run: nothing sent)' : 'queued'}`,
    );
    print(`  per locale: ${locales.length ? locales.join(', ') : 'none'}`);
    print(`  matched ${plan.matched}; skipped: ${plan.skipped.suppressed} suppressed, ${plan.skipped.alreadyAnnounced} already announced`);
    return EXIT.ok;
  },
};
