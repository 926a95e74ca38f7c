import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { cronProblem, type Digest, EMAIL_ADDRESS, isEmailRecipient, isTimeZone } from '../domain/digest.js';
import { INTEGRATION_EVENT_TYPES } from '../domain/integration-events.js';
import { INTEGRATION_KINDS, type Integration } from '../domain/integrations.js';
import { FALLBACK_LOCALE, type Messages, NOTIFICATION_KEYS, type NotificationMessages, REMINDER_KEYS, type ReminderMessages } from '../domain/messages.js';
import { parseIsoDuration } from '../domain/policies.js';
import { type Catalog, DEFAULT_RETENTION, type SurveyProgram } from '../domain/program.js';
import { MAX_REMINDER_HOLDOUT, type ReminderPolicy } from '../domain/reminder.js';
import { CLASSIFICATIONS, SURVEY_KINDS, scaleOf, surveyKind } from '../domain/survey-kinds.js';
import { ZENDESK_EVENT_TYPES } from '../domain/zendesk-ticket.js';
import { describeCatalogIssues } from './catalog-issues.js';
import { builtInLocaleData, LOCALE_TAG, readLocaleFile } from './locales.js';

/**
 * The catalog's schema (`closeloop.yaml`), strict: an unknown or misspelled key is an error naming
 * its path. The same schema is exported as JSON Schema (schema/closeloop.schema.json) for editors.
 */
const about = (description: string) => z.describe(description);
const kebab = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,47}$/, 'lower-case kebab-case, at most 48 characters'));
const nonEmpty = z.string().check(z.minLength(1));
const hhmm = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time such as "21:00"'));
const trigger = z.strictObject({
  source: nonEmpty.check(about('The event\'s `source`, e.g. "shop.orders".')),
  detailType: nonEmpty.check(about('The event\'s `detail-type`, e.g. "OrderDelivered".')),
});
const localeTag = z.string().check(z.regex(LOCALE_TAG, 'a lower-case language tag such as "de" or "pt-br"'));
/** Per-locale text; each tag must be a built-in locale or one the catalog declares (checked after parsing). */
const perLocale = z.record(localeTag, nonEmpty);
const perKind = z.strictObject({ nps: nonEmpty, enps: nonEmpty, csat: nonEmpty, ces: nonEmpty });

/** A locale bundle: every string of the email and the pages, strict (a missing string is named). */
export const localeBundleSchema = z.strictObject({
  dir: z.enum(['ltr', 'rtl']).check(about('Writing direction: rtl for Persian, Arabic, Hebrew.')),
  subject: nonEmpty.check(about('Email subject; {brand}.')),
  greeting: nonEmpty.check(about('First line when the name is known; {name}.')),
  greetingAnonymous: nonEmpty,
  intro: nonEmpty.check(about('Line above the score links.')),
  question: perKind.check(about('The standard question per survey kind; {brand}.')),
  low: perKind.check(about('Label of the lowest score.')),
  high: perKind.check(about('Label of the highest score.')),
  yourScore: nonEmpty,
  reason: nonEmpty.check(about('The follow-up question: "What is the main reason for your score?"')),
  submit: nonEmpty,
  thanksTitle: nonEmpty,
  thanksBody: nonEmpty.check(about('{support}: the support address.')),
  invalidLink: nonEmpty,
  invalidScore: nonEmpty,
  confirmTitle: nonEmpty,
  unsubscribe: nonEmpty.check(about('The footer link of the email.')),
  unsubscribeTitle: nonEmpty,
  unsubscribeConfirm: nonEmpty,
  unsubscribeConfirmTitle: nonEmpty,
  unsubscribed: nonEmpty,
  notification: z.optional(
    z
      .strictObject({
        acknowledgementSubject: z.optional(nonEmpty.check(about('Subject of the acknowledgement; {brand}.'))),
        acknowledgementBody: z.optional(nonEmpty.check(about('"We have read your answer."'))),
        acknowledgementContact: z.optional(nonEmpty.check(about('Who will contact them and by when; {team}, {deadline}.'))),
        acknowledgementTeam: z.optional(nonEmpty.check(about('{team} when the rule gives no contactedBy: "Someone from our team".'))),
        resolutionSubject: z.optional(nonEmpty.check(about('Subject of the resolution reply; {brand}.'))),
        resolutionIntro: z.optional(nonEmpty.check(about("The line above the team's public reply."))),
        replySubject: z.optional(nonEmpty.check(about('Subject of a reply the team writes from the workspace; {brand}.'))),
        replyIntro: z.optional(nonEmpty.check(about('The line above such a reply.'))),
        replyHint: z.optional(nonEmpty.check(about('Replies go to the support address, or into the case with `inbound`.'))),
        supportContact: z.optional(nonEmpty.check(about('With `inbound`: the support address for anything else; {email}.'))),
      })
      .check(
        about(
          'The emails to a respondent about their case (docs/notifications.md). A bundle made before they existed may lack them: English is used for each missing one, with a warning.',
        ),
      ),
  ),
  reminder: z.optional(
    z
      .strictObject({
        subject: z.optional(nonEmpty.check(about('Subject of the reminder; {brand}.'))),
        intro: z.optional(nonEmpty.check(about('"A reminder: …", the first line of the reminder.'))),
      })
      .check(
        about(
          "The survey's one reminder (program `reminder`). A bundle made before it existed may lack these: English is used for each missing one, with a warning.",
        ),
      ),
  ),
});
const hours = z.number().check(z.positive());

const ruleSchema = z.strictObject({
  id: kebab.check(about('Names the rule in follow-up messages and metrics.')),
  when: z
    .strictObject({
      scoreAtMost: z.optional(z.int().check(about('The score is at most this.'))),
      scoreAtLeast: z.optional(z.int().check(about('The score is at least this.'))),
      classification: z.optional(
        z
          .array(z.enum(CLASSIFICATIONS))
          .check(about("The score's class: detractor, passive, promoter (NPS/eNPS), dissatisfied, neutral, satisfied (CSAT), low-effort, high-effort (CES)…")),
      ),
      kind: z.optional(z.array(z.enum(SURVEY_KINDS))),
      segment: z.optional(z.array(nonEmpty).check(about("The customer's segment (customer.segment of the event) is one of these."))),
      tier: z.optional(z.array(nonEmpty).check(about("The customer's tier (customer.tier of the event) is one of these."))),
      locale: z.optional(z.array(nonEmpty)),
      hasComment: z.optional(z.boolean().check(about('true: only answers with a comment; false: only answers without.'))),
    })
    .check(about('Every condition given must hold; an empty `when` matches every answer.')),
  queue: kebab.check(about('The follow-up queue the case opens on (a key of followUpQueues).')),
  dueInHours: hours.check(about('The case must be resolved within this many hours.')),
  acknowledgeWithinHours: z.optional(hours.check(about('The case must be acknowledged within this many hours.'))),
  escalateTo: z.optional(z.array(kebab).check(about('Queues a case climbs, one per missed deadline.'))),
  recoverySurvey: z.optional(z.boolean().check(about('After the case is resolved, ask the customer again (RecoverySurveyRequested).'))),
  final: z.optional(z.boolean().check(about('Later rules of the program are not applied to an answer this rule matched.'))),
  pauseWhileWaitingForCustomer: z.optional(
    z
      .boolean()
      .check(
        about(
          "true: from a team reply until the customer's email answer, the case waits for the customer: it does not escalate, and its deadlines move on by the time waited. Only with the construct's inbound mail (docs/inbound.md). Default false.",
        ),
      ),
  ),
  notifyRespondent: z.optional(
    z
      .strictObject({
        onOpen: z.optional(z.boolean().check(about('Email the respondent when the case opens: we read it, who will contact them and by when. Default false.'))),
        onResolve: z.optional(z.boolean().check(about("Email the respondent the team's public reply when the case is resolved with one. Default false."))),
        contactedBy: z.optional(
          perLocale.check(about('Who will contact them ({team}), per locale, e.g. "Our customer care team"; default: the bundle\'s wording.')),
        ),
      })
      .check(about('Emails to the respondent about their case (docs/notifications.md). Not allowed on eNPS programs (anonymity).')),
  ),
});

const programSchema = z.strictObject({
  id: kebab.check(about('Unique, kebab-case; appears in links, metrics and reports. Never rename a live program.')),
  description: z.optional(z.string()),
  enabled: z.optional(
    z
      .boolean()
      .check(about('false: the program surveys no one and its trigger gets no bus rule (answers to links already sent are still recorded). Default true.')),
  ),
  dryRun: z.optional(
    z.boolean().check(about('true: decide (audience, sampling) and record the decision as SurveySkipped with reason "dry-run", send nothing. Default false.')),
  ),
  trigger: trigger.check(about('The event that starts the program.')),
  audience: z.optional(
    z
      .strictObject({
        segment: z.optional(z.array(nonEmpty)),
        tier: z.optional(z.array(nonEmpty)),
      })
      .check(about('Only customers whose segment and tier are listed.')),
  ),
  kind: z.enum(SURVEY_KINDS).check(about('nps (0–10), enps (0–10, anonymous reporting), csat (1–5), ces (1–7).')),
  defaultLocale: localeTag.check(about('The language when the event gives none, or one without a bundle (a built-in or declared locale).')),
  ownerTeam: nonEmpty,
  delay: z.optional(z.string().check(about('ISO 8601 duration between the event and the email, e.g. "P2D", "PT2H"; at most a year.'))),
  throttleDays: z.optional(z.int().check(z.positive(), z.lte(3650), about('Never survey the same contact for this program more than once in this many days.'))),
  restsAcrossPrograms: z.optional(z.boolean().check(about("Whether the catalog's rest periods (throttle) apply. Default true."))),
  alert: z.optional(
    z.strictObject({
      threshold: z.number().check(about('ThresholdBreached when the rolling score is credibly below this.')),
      windowDays: z.int().check(z.positive(), z.lte(365)),
      minResponses: z.int().check(z.positive()),
    }),
  ),
  sampleRate: z.optional(
    z.number().check(z.gt(0), z.lte(1), about('Share of contacts surveyed (0 < rate ≤ 1), decided per contact, the same every time. Default 1.')),
  ),
  question: z.optional(perLocale.check(about('Replaces the standard question, per locale; {brand}, {name}, {context.<key>} are filled.'))),
  intro: z.optional(perLocale.check(about('A first line of the email, per locale.'))),
  secondQuestion: z.optional(perLocale.check(about('An optional second open question on the rating page, per locale.'))),
  reminder: z.optional(
    z
      .strictObject({
        after: z.string().check(about('ISO 8601 duration after the survey email, e.g. "P3D"; shorter than invitationTtlDays.')),
        holdout: z.optional(
          z
            .number()
            .check(
              z.gte(0),
              z.lte(MAX_REMINDER_HOLDOUT),
              about('Share of contacts (0–0.5) held out as a control group that is never reminded, decided per contact. Default 0.'),
            ),
        ),
      })
      .check(
        about(
          'Send the same link once more to a person who has not answered by then (not after an answer, unsubscribe, bounce or erasure). See docs/operations.md.',
        ),
      ),
  ),
  cancel: z.optional(
    z
      .strictObject({
        on: z.array(trigger).check(z.minLength(1)),
        matchOn: z.string().check(z.regex(/^\w+$/, 'a context field name')),
      })
      .check(about('Events that cancel a pending (delayed) survey of this program, matched on a context field.')),
  ),
  rules: z.array(ruleSchema).check(about('Follow-up rules, applied in order.')),
});

/** https anywhere; plain http only to this machine's loopback (the sandbox's receivers). */
export const INTEGRATION_URL = /^(https:\/\/[^\s/"'<>]+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(\/[^\s"'<>]*)?$/;
/** What `inbound` must look like (the message for `inbound: true` and every other wrong form). */
const INBOUND_FORM = 'false, or an object { secret: <a secret name of its own>, queues: [<follow-up queue>, …], reply: false }';

const integrationSchema = z.strictObject({
  id: kebab.check(about('Unique: names the queue, the delivery log and `closeloop integrations replay <id>`.')),
  kind: z
    .enum(INTEGRATION_KINDS)
    .check(about('webhook: Standard Webhooks signed JSON; slack: an incoming-webhook Block Kit message; zendesk: one ticket per case.')),
  url: z.optional(
    z
      .string()
      .check(
        z.regex(INTEGRATION_URL, 'an https:// URL (http:// only on loopback, for the sandbox)'),
        z.maxLength(2048),
        about('webhook: where the signed JSON is POSTed; zendesk: the account, e.g. https://shop.zendesk.com. Not for slack (its URL is the secret).'),
      ),
  ),
  secret: z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name'),
      about(
        'The Secrets Manager secret: the whsec_… signing secret (webhook), the incoming-webhook URL (slack) or "<agent email>/token:<api token>" (zendesk). In the sandbox: CLOSELOOP_SECRET_<NAME>.',
      ),
    ),
  on: z.array(z.enum(INTEGRATION_EVENT_TYPES)).check(z.minLength(1), about('The detail-types delivered, e.g. [FollowUpOpened, FollowUpEscalated].')),
  includePersonalData: z.optional(z.boolean().check(about('true: name, email address and customer id go out too. Default false.'))),
  includeComment: z.optional(z.boolean().check(about("slack, zendesk: show the respondent's comment. Default true."))),
  shareContext: z.optional(
    z
      .array(z.string().check(z.minLength(1), z.maxLength(128)))
      .check(
        about(
          "Keys of the business event's context this integration receives (e.g. [orderId]): with the case events (the context the case was opened with) and recovery requests. Default none: a producer's context (addresses, phone numbers) stays home.",
        ),
      ),
  ),
  inbound: z.optional(
    z
      .union(
        [
          z.literal(false),
          z.strictObject({
            secret: z
              .string()
              .check(
                z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name'),
                about("The Secrets Manager secret (a whsec_… key) the helpdesk signs its requests with: never the integration's own `secret`."),
              ),
            queues: z
              .array(kebab)
              .check(
                z.minLength(1),
                about('The follow-up queues whose cases the hook may move (a case counts where it opened and on the rungs it has reached).'),
              ),
            reply: z.optional(z.boolean().check(about('true: the hook may resolve with a public `reply`, emailed to the respondent. Default false.'))),
            defaultRootCause: z.optional(
              z.string().check(about("zendesk (required there): the root cause of a solved ticket whose field holds none of the catalog's rootCauses.")),
            ),
            rootCauseField: z.optional(
              z
                .string()
                .check(
                  z.regex(/^\d{1,20}$/, 'a Zendesk ticket field id (digits)'),
                  about('zendesk: the ticket field whose value names the root cause (its id; the trigger sends {{ticket.ticket_field_<id>}}).'),
                ),
            ),
          }),
        ],
        { error: INBOUND_FORM },
      )
      .check(
        about(
          'webhook, zendesk: lets a helpdesk move cases through POST /hooks/{id}, signed with a secret of its own (zendesk: the webhook signing secret Zendesk shows), on the queues named. Off unless given (false: off).',
        ),
      ),
  ),
});

const digestSchema = z.strictObject({
  id: kebab.check(about('Unique: names the schedule and `closeloop digest send <id>`.')),
  schedule: z.string().check(about('An EventBridge Scheduler cron expression in `timeZone`, e.g. "cron(0 8 ? * MON *)" (Mondays 08:00).')),
  timeZone: z.string().check(about('IANA time zone of the schedule and of the week (Monday to Sunday), e.g. "Europe/Tallinn".')),
  to: z
    .array(nonEmpty)
    .check(z.minLength(1), about('Recipients: ids of slack integrations (the message goes to their incoming webhook) and email addresses (SES).')),
  programs: z.optional(z.array(kebab).check(z.minLength(1), about('Only these programs. Default: every program.'))),
});

export const catalogSchema = z
  .strictObject({
    $schema: z.optional(z.string()),
    brand: z.strictObject({
      name: nonEmpty.check(z.maxLength(100), about('Shown in emails and pages ("How likely are you to recommend {brand}…").')),
      logoUrl: z.optional(
        z
          .string()
          .check(
            z.regex(/^https:\/\/[^\s"'<>]+$/, 'an https:// URL'),
            z.maxLength(2048),
            about('An https:// image shown at the top of emails (not on the pages, whose CSP loads nothing from elsewhere). About 200×50 px.'),
          ),
      ),
      accentColor: z.optional(
        z
          .string()
          .check(
            z.regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as "#1f4e79"'),
            about('Links, buttons and the score scale, in emails and pages. Default #1f4e79; choose one with 4.5:1 contrast on white.'),
          ),
      ),
      footer: z.optional(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(500),
            about('A line at the bottom of emails and pages, e.g. the postal address the law asks of commercial email.'),
          ),
      ),
    }),
    locales: z.optional(
      z
        .record(localeTag, z.union([nonEmpty, z.record(z.string(), z.unknown())]))
        .check(
          about(
            'Your own languages: a tag mapped to a bundle file (relative to this file, made with `closeloop locale init <tag>`) or the bundle inline. The built-in en, et, hr, th and fa need nothing.',
          ),
        ),
    ),
    invitationTtlDays: z.int().check(z.positive(), z.lte(365), about('How long a rating link works.')),
    answerWindowHours: z.optional(z.number().check(z.gte(0), z.lte(24 * 365), about('How long after the first answer it may still be changed. Default 24.'))),
    retention: z.optional(
      z
        .strictObject({
          responseDays: z.int().check(z.positive(), z.lte(3650)),
          caseDays: z.int().check(z.positive(), z.lte(3650)),
        })
        .check(about('Days personal data is kept (answered invitations, cases). Default 365 each.')),
    ),
    throttle: z
      .strictObject({
        afterSendDays: z.int().check(z.gte(0), z.lte(3650)),
        afterResponseDays: z.int().check(z.gte(0), z.lte(3650)),
      })
      .check(about('Rest periods across programs: after any survey email, and after an answer.')),
    quietHours: z.strictObject({ start: hhmm, end: hhmm }).check(about("No survey email in the recipient's local night (when customer.timeZone is known).")),
    followUpQueues: z.record(kebab, z.strictObject({ description: z.string() })).check(about('One SQS queue (with a dead-letter queue) each.')),
    teams: z.optional(
      z
        .record(
          kebab,
          z.strictObject({
            queues: z.array(kebab).check(z.minLength(1), about('The follow-up queues whose cases the team works (keys of followUpQueues).')),
            description: z.optional(z.string().check(z.maxLength(500))),
          }),
        )
        .check(
          about(
            "Who works which queues in the workspace: a team is a group of the identity provider (Cognito: one group per team). Without it, each follow-up queue is its own team. A program's ownerTeam must then name one.",
          ),
        ),
    ),
    workspace: z.optional(
      z
        .strictObject({
          adminTeam: z.optional(kebab.check(about('The team (a group of the identity provider) that sees every queue and the dashboard. Default cx-admin.'))),
        })
        .check(about("The support agents' workspace (the construct's `workspace` prop turns it on). See docs/workspace.md.")),
    ),
    topics: z.record(kebab, z.record(localeTag, z.array(nonEmpty))).check(about('Comment topics: keywords (word beginnings) per locale.')),
    rootCauses: z.array(kebab).check(z.minLength(1), about('The root causes a team may give a case when resolving it.')),
    programs: z.array(programSchema).check(z.minLength(1)),
    integrations: z.optional(
      z
        .array(integrationSchema)
        .check(about("Where Closeloop's own events are delivered: signed webhooks, Slack and Zendesk tickets. See docs/integrations.md.")),
    ),
    events: z.optional(
      z
        .strictObject({
          publish: z
            .array(z.enum(INTEGRATION_EVENT_TYPES))
            .check(
              about(
                "The detail-types put on Closeloop's bus for your own rules, e.g. [SurveySent, SurveyResponded, FollowUpOpened]. Default: every type but SurveySent and SurveySkipped (one per survey event: the bus's biggest bill at volume). A type an integration's `on:` names is always published.",
              ),
            ),
        })
        .check(about("Closeloop's integration events on the bus (docs/integrations.md).")),
    ),
    digests: z.optional(z.array(digestSchema).check(about('Weekly digests of the report to Slack and by email, on a schedule. See docs/digests.md.'))),
  })
  .check(about('Closeloop catalog (closeloop.yaml): survey programs, follow-up rules and queues, brand. See docs/catalog.md.'));

export class InvalidCatalogError extends Error {
  override readonly name = 'InvalidCatalogError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid catalog: ${problems.join('; ')}`);
  }
}

/** Delays are sent through EventBridge Scheduler one-time schedules; keep them within a year. */
const MAX_DELAY_SECONDS = 365 * 86_400;

/**
 * Validates a catalog (as read from closeloop.yaml) and fills its defaults. Throws
 * InvalidCatalogError naming every bad field, so `closeloop validate`, `cdk synth` and the sandbox
 * all stop with the same message.
 */
export interface ParseOptions {
  /** Where a locale bundle file named in the catalog is looked for. @default the current folder */
  readonly baseDir?: string;
  /** The built-in bundles as declared (tests may give others). @default the package's locales/ folder */
  readonly builtIns?: Record<string, unknown>;
  /** Told what is valid but worth fixing (a bundle lacking strings English stands in for). @default ignored */
  readonly warn?: (message: string) => void;
}

type ParsedBundle = Omit<Messages, 'notification' | 'reminder'> & { notification?: Partial<NotificationMessages>; reminder?: Partial<ReminderMessages> };

/**
 * Every bundle with all the notification strings: a missing one (a bundle made by an older
 * `closeloop locale init`) is taken from English, and a warning names it.
 */
function completeNotifications(parsed: Record<string, ParsedBundle>, origins: Record<string, string>, problems: string[], warn: (message: string) => void) {
  const english = parsed[FALLBACK_LOCALE]?.notification ?? {};
  const missingInEnglish = NOTIFICATION_KEYS.filter((key) => !english[key]);
  if (parsed[FALLBACK_LOCALE] && missingInEnglish.length) {
    problems.push(`${origins[FALLBACK_LOCALE]}.notification: lacks ${missingInEnglish.join(', ')} (the English bundle is the fallback of the others)`);
    return {};
  }
  const bundles: Record<string, Messages> = {};
  for (const [tag, bundle] of Object.entries(parsed)) {
    const own = bundle.notification ?? {};
    const missing = NOTIFICATION_KEYS.filter((key) => !own[key]);
    if (missing.length) {
      warn(
        `${origins[tag]}: lacks ${missing.map((key) => `notification.${key}`).join(', ')}; English is used for them (\`closeloop locale init ${tag}\` prints every string)`,
      );
    }
    bundles[tag] = { ...bundle, notification: { ...(english as NotificationMessages), ...own } } as Messages;
  }
  return bundles;
}

/** The same for the reminder's strings: a missing one is taken from English, and a warning names it. */
function completeReminders(parsed: Record<string, ParsedBundle>, origins: Record<string, string>, problems: string[], warn: (message: string) => void) {
  const english = parsed[FALLBACK_LOCALE]?.reminder ?? {};
  const missingInEnglish = REMINDER_KEYS.filter((key) => !english[key]);
  if (parsed[FALLBACK_LOCALE] && missingInEnglish.length) {
    problems.push(`${origins[FALLBACK_LOCALE]}.reminder: lacks ${missingInEnglish.join(', ')} (the English bundle is the fallback of the others)`);
    return {};
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([tag, bundle]) => {
      const own = bundle.reminder ?? {};
      const missing = REMINDER_KEYS.filter((key) => !own[key]);
      if (missing.length) {
        warn(
          `${origins[tag]}: lacks ${missing.map((key) => `reminder.${key}`).join(', ')}; English is used for them (\`closeloop locale init ${tag}\` prints every string)`,
        );
      }
      return [tag, { ...bundle, reminder: { ...(english as ReminderMessages), ...own } }];
    }),
  ) as Record<string, ParsedBundle>;
}

// English messages for the catalog's own parse (zod/mini loads no locale; the Lambda bundles do without one).
const parseEnglish = <T>(schema: z.ZodMiniType<T>, input: unknown) => z.safeParse(schema, input, { error: en().localeError });

/** Every bundle the catalog can use: the built-in ones, then the catalog's own (which may replace a built-in). */
function resolveLocales(
  declared: Record<string, string | Record<string, unknown>> | undefined,
  options: ParseOptions,
  problems: string[],
): Record<string, Messages> {
  const bundles: Record<string, ParsedBundle> = {};
  const origins: Record<string, string> = {};
  const add = (tag: string, data: unknown, at: string) => {
    const parsed = parseEnglish(localeBundleSchema, data);
    if (parsed.success) {
      bundles[tag] = parsed.data;
      origins[tag] = at;
    } else problems.push(...describeCatalogIssues(localeBundleSchema, parsed.error.issues).map((problem) => `${at}.${problem}`));
  };
  for (const [tag, data] of Object.entries(options.builtIns ?? builtInLocaleData())) add(tag, data, `(built-in locale ${tag})`);
  for (const [tag, bundle] of Object.entries(declared ?? {})) {
    if (typeof bundle !== 'string') {
      add(tag, bundle, `locales.${tag}`);
      continue;
    }
    try {
      add(tag, readLocaleFile(bundle, options.baseDir ?? process.cwd()), `locales.${tag} (${bundle})`);
    } catch (error) {
      problems.push(`locales.${tag}: ${(error as Error).message}`);
    }
  }
  const warn = options.warn ?? (() => {});
  return completeNotifications(completeReminders(bundles, origins, problems, warn), origins, problems, warn);
}

export function parseCatalog(input: unknown, options: ParseOptions = {}): Catalog {
  const parsed = parseEnglish(catalogSchema, input);
  if (!parsed.success) throw new InvalidCatalogError(describeCatalogIssues(catalogSchema, parsed.error.issues));
  const { $schema: _schema, locales: declaredLocales, ...declared } = parsed.data;
  const problems: string[] = [];
  const locales = resolveLocales(declaredLocales, options, problems);
  if (!(FALLBACK_LOCALE in locales)) problems.push(`locales: the built-in "${FALLBACK_LOCALE}" bundle is missing`);
  const known = (tag: string, at: string) => {
    if (!(tag in locales)) problems.push(`${at}: "${tag}" is not a built-in locale (${Object.keys(locales).sort().join(', ')}) or one under locales`);
  };
  Object.entries(declared.topics).forEach(([topic, byLocale]) => {
    for (const tag of Object.keys(byLocale)) known(tag, `topics.${topic}.${tag}`);
  });
  const seen = new Set<string>();
  const programs = declared.programs.map((program, p): SurveyProgram => {
    const at = `programs.${p}`;
    known(program.defaultLocale, `${at}.defaultLocale`);
    for (const field of ['question', 'intro', 'secondQuestion'] as const) {
      for (const tag of Object.keys(program[field] ?? {})) known(tag, `${at}.${field}.${tag}`);
    }
    if (seen.has(program.id)) problems.push(`${at}.id: "${program.id}" is declared twice`);
    seen.add(program.id);
    const delaySeconds = program.delay === undefined ? 0 : parseIsoDuration(program.delay);
    if (delaySeconds === undefined || delaySeconds > MAX_DELAY_SECONDS) {
      problems.push(`${at}.delay: "${program.delay}" is not an ISO 8601 duration of weeks, days, hours, minutes or seconds up to a year (e.g. "P2D", "PT36H")`);
    }
    const reminder = program.reminder && checkReminder(program.reminder, `${at}.reminder`, declared.invitationTtlDays, problems);
    const { min, max } = scaleOf(program.kind);
    const { refuses } = surveyKind(program.kind);
    if (refuses.rules && program.rules.length) problems.push(`${at}.rules: ${refuses.rules}; leave the list empty`);
    if (refuses.alert && program.alert) problems.push(`${at}.alert: ${refuses.alert}`);
    program.rules.forEach((rule, r) => {
      if (rule.notifyRespondent && surveyKind(program.kind).anonymous && (rule.notifyRespondent.onOpen || rule.notifyRespondent.onResolve)) {
        problems.push(`${at}.rules.${r}.notifyRespondent: an eNPS program never notifies its respondents (their answers are anonymous)`);
      }
      for (const tag of Object.keys(rule.notifyRespondent?.contactedBy ?? {})) known(tag, `${at}.rules.${r}.notifyRespondent.contactedBy.${tag}`);
      if (!(rule.queue in declared.followUpQueues)) problems.push(`${at}.rules.${r}.queue: "${rule.queue}" is not a declared follow-up queue`);
      rule.escalateTo?.forEach((queue, e) => {
        if (!(queue in declared.followUpQueues)) problems.push(`${at}.rules.${r}.escalateTo.${e}: "${queue}" is not a declared follow-up queue`);
      });
      if (rule.acknowledgeWithinHours !== undefined && rule.acknowledgeWithinHours > rule.dueInHours) {
        problems.push(`${at}.rules.${r}.acknowledgeWithinHours: ${rule.acknowledgeWithinHours} is later than dueInHours ${rule.dueInHours}`);
      }
      for (const bound of ['scoreAtMost', 'scoreAtLeast'] as const) {
        const value = rule.when[bound];
        if (value !== undefined && (value < min || value > max)) {
          problems.push(`${at}.rules.${r}.when.${bound}: ${value} is outside the ${program.kind} scale ${min}–${max}`);
        }
      }
    });
    program.cancel?.on.forEach((t, c) => {
      if (t.source === program.trigger.source && t.detailType === program.trigger.detailType) {
        problems.push(`${at}.cancel.on.${c}: a program cannot be cancelled by its own trigger`);
      }
    });
    const { delay: _delay, reminder: _reminder, ...rest } = program;
    return {
      ...rest,
      ...(reminder ? { reminder } : {}),
      enabled: program.enabled ?? true,
      dryRun: program.dryRun ?? false,
      delaySeconds: delaySeconds ?? 0,
      sampleRate: program.sampleRate ?? 1,
    } as SurveyProgram;
  });
  if (declared.retention && declared.retention.responseDays * 24 < (declared.answerWindowHours ?? 24)) {
    problems.push(`retention.responseDays: ${declared.retention.responseDays} is shorter than the answer window`);
  }
  checkTeams(declared, problems);
  const integrations = checkIntegrations(declared.integrations ?? [], Object.keys(declared.followUpQueues), declared.rootCauses, problems);
  const digests = checkDigests(declared.digests ?? [], integrations, programs, problems);
  if (problems.length) throw new InvalidCatalogError(problems);
  return {
    ...declared,
    integrations,
    ...(declared.digests ? { digests } : {}),
    answerWindowHours: declared.answerWindowHours ?? 24,
    retention: declared.retention ?? DEFAULT_RETENTION,
    programs,
    locales,
  } as Catalog;
}

/** A team works declared queues; with teams declared, every program's ownerTeam is one of them. */
function checkTeams(
  declared: {
    readonly followUpQueues: Readonly<Record<string, unknown>>;
    readonly teams?: Readonly<Record<string, { readonly queues: readonly string[] }>> | undefined;
    readonly programs: readonly { readonly ownerTeam: string }[];
  },
  problems: string[],
): void {
  if (!declared.teams) return;
  const queues = Object.keys(declared.followUpQueues);
  for (const [team, { queues: worked }] of Object.entries(declared.teams)) {
    worked.forEach((queue, q) => {
      if (!queues.includes(queue)) problems.push(`teams.${team}.queues.${q}: "${queue}" is not a follow-up queue (followUpQueues: ${queues.join(', ')})`);
    });
  }
  const teams = Object.keys(declared.teams);
  declared.programs.forEach((program, p) => {
    if (!teams.includes(program.ownerTeam)) problems.push(`programs.${p}.ownerTeam: "${program.ownerTeam}" is not a team (teams: ${teams.join(', ')})`);
  });
}

/** A reminder's `after` is an ISO 8601 duration that ends before the link expires. */
function checkReminder(
  declared: { after: string; holdout?: number | undefined },
  at: string,
  invitationTtlDays: number,
  problems: string[],
): ReminderPolicy | undefined {
  const afterSeconds = parseIsoDuration(declared.after);
  if (afterSeconds === undefined || afterSeconds <= 0) {
    problems.push(`${at}.after: "${declared.after}" is not an ISO 8601 duration of weeks, days, hours, minutes or seconds (e.g. "P3D", "PT36H")`);
    return undefined;
  }
  if (afterSeconds >= invitationTtlDays * 86_400) {
    problems.push(
      `${at}.after: "${declared.after}" is not shorter than the link's lifetime (invitationTtlDays: ${invitationTtlDays}); the reminder's link would have expired`,
    );
    return undefined;
  }
  return { afterSeconds, holdout: declared.holdout ?? 0 };
}

function checkIntegrations(
  declared: readonly z.infer<typeof integrationSchema>[],
  queues: readonly string[],
  rootCauses: readonly string[],
  problems: string[],
): Integration[] {
  const seen = new Set<string>();
  const outboundSecrets = new Set(declared.map((integration) => integration.secret));
  const inboundSecrets = declared.flatMap((integration) => (integration.inbound ? [integration.inbound.secret] : []));
  return declared.map((integration, i) => {
    const at = `integrations.${i}`;
    if (seen.has(integration.id)) problems.push(`${at}.id: "${integration.id}" is declared twice`);
    seen.add(integration.id);
    if (integration.kind === 'webhook' && integration.url === undefined) problems.push(`${at}.url: a webhook needs the URL it is POSTed to`);
    if (integration.kind === 'zendesk') checkZendesk(integration, at, problems);
    if (integration.kind === 'slack' && integration.url !== undefined) {
      problems.push(`${at}.url: a Slack incoming-webhook URL is a credential; keep it in the secret "${integration.secret}" instead`);
    }
    if (integration.inbound && integration.kind === 'slack') {
      problems.push(`${at}.inbound: a slack integration takes no inbound hooks (its secret is a URL, not a signing key)`);
    }
    if (integration.inbound) {
      checkInbound(integration.inbound, `${at}.inbound`, { outboundSecrets, inboundSecrets, queues }, problems);
      checkInboundScheme(integration.kind, integration.inbound, `${at}.inbound`, rootCauses, problems);
    }
    const duplicates = integration.on.filter((type, j) => integration.on.indexOf(type) !== j);
    if (duplicates.length) problems.push(`${at}.on: "${duplicates[0]}" is listed twice`);
    return {
      ...integration,
      on: [...new Set(integration.on)],
      includePersonalData: integration.includePersonalData ?? false,
      includeComment: integration.includeComment ?? true,
      shareContext: [...new Set(integration.shareContext ?? [])],
    };
  });
}

/**
 * An inbound hook's access: a secret of its own (the integration's `secret` is what the receiver of
 * deliveries holds, so it must not also move cases; and no two hooks share one), on declared queues.
 */
function checkInbound(
  inbound: { readonly secret: string; readonly queues: readonly string[] },
  at: string,
  known: { readonly outboundSecrets: ReadonlySet<string>; readonly inboundSecrets: readonly string[]; readonly queues: readonly string[] },
  problems: string[],
): void {
  if (known.outboundSecrets.has(inbound.secret)) {
    problems.push(`${at}.secret: "${inbound.secret}" is an integration's delivery secret; an inbound hook needs a secret of its own`);
  }
  if (known.inboundSecrets.filter((secret) => secret === inbound.secret).length > 1) {
    problems.push(`${at}.secret: "${inbound.secret}" is named by two inbound hooks; give each its own`);
  }
  inbound.queues.forEach((queue, j) => {
    if (!known.queues.includes(queue)) problems.push(`${at}.queues.${j}: "${queue}" is not a follow-up queue (followUpQueues: ${known.queues.join(', ')})`);
  });
}

/** A zendesk hook resolves tickets' cases with a root cause it can always name, and never writes to respondents (Zendesk does); the others take none of its keys. */
function checkInboundScheme(
  kind: string,
  inbound: { readonly reply?: boolean | undefined; readonly defaultRootCause?: string | undefined; readonly rootCauseField?: string | undefined },
  at: string,
  rootCauses: readonly string[],
  problems: string[],
): void {
  if (kind !== 'zendesk') {
    for (const key of ['defaultRootCause', 'rootCauseField'] as const) {
      if (inbound[key] !== undefined) problems.push(`${at}.${key}: only for a zendesk integration's hook`);
    }
    return;
  }
  if (inbound.defaultRootCause === undefined) {
    problems.push(
      `${at}.defaultRootCause: a zendesk hook needs the root cause of a solved ticket that names none (one of rootCauses: ${rootCauses.join(', ')})`,
    );
  } else if (!rootCauses.includes(inbound.defaultRootCause)) {
    problems.push(`${at}.defaultRootCause: "${inbound.defaultRootCause}" is not one of rootCauses (${rootCauses.join(', ')})`);
  }
  if (inbound.reply) problems.push(`${at}.reply: a zendesk hook never writes to respondents (Zendesk's public comments do)`);
}

/** A Zendesk integration names its account (an origin: the API paths are Closeloop's) and takes case events only. */
function checkZendesk(integration: z.infer<typeof integrationSchema>, at: string, problems: string[]): void {
  if (integration.url === undefined) problems.push(`${at}.url: a zendesk integration needs its account's address, e.g. https://shop.zendesk.com`);
  else if (new URL(integration.url).pathname !== '/' || /[?#]/.test(integration.url)) {
    problems.push(`${at}.url: "${integration.url}" has a path; give the Zendesk account's address only, e.g. https://shop.zendesk.com`);
  }
  integration.on.forEach((type, j) => {
    if (!(ZENDESK_EVENT_TYPES as readonly string[]).includes(type)) {
      problems.push(`${at}.on.${j}: zendesk opens and updates tickets for cases: ${ZENDESK_EVENT_TYPES.join(', ')}; not ${type}`);
    }
  });
}

function checkDigests(
  declared: readonly z.infer<typeof digestSchema>[],
  integrations: readonly Integration[],
  programs: readonly SurveyProgram[],
  problems: string[],
): Digest[] {
  const seen = new Set<string>();
  return declared.map((digest, d) => {
    const at = `digests.${d}`;
    if (seen.has(digest.id)) problems.push(`${at}.id: "${digest.id}" is declared twice`);
    seen.add(digest.id);
    const cron = cronProblem(digest.schedule);
    if (cron) problems.push(`${at}.schedule: ${cron}`);
    if (!isTimeZone(digest.timeZone)) problems.push(`${at}.timeZone: "${digest.timeZone}" is not an IANA time zone such as "Europe/Tallinn"`);
    digest.to.forEach((recipient, r) => {
      if (isEmailRecipient(recipient)) {
        if (!EMAIL_ADDRESS.test(recipient)) problems.push(`${at}.to.${r}: "${recipient}" is not an email address`);
        return;
      }
      const integration = integrations.find((i) => i.id === recipient);
      if (!integration) {
        const slack = integrations.filter((i) => i.kind === 'slack').map((i) => i.id);
        problems.push(
          `${at}.to.${r}: "${recipient}" is neither an email address nor a declared integration (slack integrations: ${slack.join(', ') || 'none'})`,
        );
      } else if (integration.kind !== 'slack') {
        problems.push(`${at}.to.${r}: integration "${recipient}" is a ${integration.kind}; a digest goes to slack integrations and email addresses only`);
      }
    });
    const duplicates = digest.to.filter((recipient, r) => digest.to.indexOf(recipient) !== r);
    if (duplicates.length) problems.push(`${at}.to: "${duplicates[0]}" is listed twice`);
    digest.programs?.forEach((id, p) => {
      if (!programs.some((program) => program.id === id)) {
        problems.push(`${at}.programs.${p}: "${id}" is not a declared program (${programs.map((program) => program.id).join(', ')})`);
      }
    });
    return { ...digest };
  });
}

/** The catalog's JSON Schema (draft 2020-12), as editors and `closeloop validate` users see it. */
export function catalogJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(catalogSchema, { io: 'input' });
  // Parsing takes any object for an inline bundle and names its missing strings itself; editors get the bundle's schema.
  const { $schema: _draft, ...bundle } = z.toJSONSchema(localeBundleSchema, { io: 'input' });
  const locales = schema.properties?.locales;
  if (typeof locales !== 'object') throw new Error('the catalog schema has no locales property');
  locales.additionalProperties = { anyOf: [{ type: 'string', minLength: 1, description: 'A bundle file, relative to the catalog' }, bundle] };
  return { ...schema, title: 'Closeloop catalog' };
}
