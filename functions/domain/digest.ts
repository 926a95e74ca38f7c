import { framedEmail, MUTED, TEXT_CELL, textRow } from './email-frame.js';
import { escapeHtml } from './html.js';
import type { Brand } from './program.js';
import { type Period, periodStart, type Ranked, type SegmentReport } from './report.js';
import type { SlackMessage } from './slack-message.js';
import { surveyKind } from './survey-kinds.js';
import { cleanText } from './text.js';

/**
 * The weekly digest (docs/digests.md): one message per digest and week with each program's score
 * against its baseline (the week before) and its interval, the week's follow-ups and their SLA,
 * the cases resolved after their due time, and the top topics and root causes. Built from the
 * report of the day buckets (functions/report/load.ts), so an eNPS program shows exactly what the
 * report shows (closed months, minimum group size).
 */

/** One digest, as the catalog declares it (`digests:`). */
export interface Digest {
  /** Kebab-case, unique: names the schedule, the sent records and `closeloop digest send <id>`. */
  readonly id: string;
  /** An EventBridge Scheduler cron expression, e.g. `cron(0 8 ? * MON *)`, read in `timeZone`. */
  readonly schedule: string;
  /** IANA time zone of the schedule and of the week's days, e.g. Europe/Tallinn. */
  readonly timeZone: string;
  /** Slack integration ids and email addresses. */
  readonly to: readonly string[];
  /** Only these programs. @default every program of the catalog */
  readonly programs?: readonly string[];
}

/** A recipient of `to`: an email address, or (anything else) an integration id. */
export const isEmailRecipient = (recipient: string) => recipient.includes('@');
export const EMAIL_ADDRESS = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;

// EventBridge Scheduler cron: minutes hours day-of-month month day-of-week year.
const CRON_FIELDS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'minutes', pattern: /^(\*|[0-5]?\d([-/][0-5]?\d)?)(,[0-5]?\d([-/][0-5]?\d)?)*$|^\*\/\d+$/ },
  { name: 'hours', pattern: /^(\*|(1?\d|2[0-3])([-/](1?\d|2[0-3]))?)(,(1?\d|2[0-3])([-/](1?\d|2[0-3]))?)*$|^\*\/\d+$/ },
  {
    name: 'day-of-month',
    pattern: /^(\?|\*|L|LW|([1-9]|[12]\d|3[01])W?([-/]([1-9]|[12]\d|3[01]))?(,([1-9]|[12]\d|3[01])([-/]([1-9]|[12]\d|3[01]))?)*|\*\/\d+)$/,
  },
  {
    name: 'month',
    pattern:
      /^(\*|((1[0-2]|[1-9])|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)([-/]((1[0-2]|[1-9])|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC))?(,.+)?|\*\/\d+)$/i,
  },
  { name: 'day-of-week', pattern: /^(\?|\*|L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])?([-,/]([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT))*)$/i },
  { name: 'year', pattern: /^(\*|(19[7-9]\d|2[01]\d\d)([-,/](19[7-9]\d|2[01]\d\d))*)$/ },
];

/** Why `expression` is not an EventBridge Scheduler cron expression, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return `"${expression}" is not a cron expression such as "cron(0 8 ? * MON *)"`;
  const fields = (match[1] as string).trim().split(/\s+/);
  if (fields.length !== 6) return `"${expression}" has ${fields.length} fields; a cron expression has 6 (minutes hours day-of-month month day-of-week year)`;
  for (const [i, field] of fields.entries()) {
    const { name, pattern } = CRON_FIELDS[i] as (typeof CRON_FIELDS)[number];
    if (!pattern.test(field)) return `"${expression}": "${field}" is not a valid ${name} field`;
  }
  if ((fields[2] === '?') === (fields[4] === '?')) return `"${expression}": exactly one of day-of-month and day-of-week must be "?"`;
  return undefined;
}

/** Whether the runtime knows the IANA time zone (as EventBridge Scheduler does). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;
const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The calendar day (yyyy-mm-dd) it is at `at` in the time zone. */
export function localDay(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * The digest's week, Monday to Sunday in its time zone: the week that holds `containing`
 * (yyyy-mm-dd), else the last complete week before `now` (a Monday-morning schedule reports the
 * week that just ended). Buckets are UTC days: the week's edges are the zone's dates.
 */
export function digestWeek(now: Date, timeZone: string, containing?: string): Period {
  const monday = containing ? periodStart(containing, 'week') : shiftDay(periodStart(localDay(now, timeZone), 'week'), -7);
  return { from: monday, to: shiftDay(monday, 6) };
}

/** One program's lines of the digest. */
export interface DigestProgram {
  readonly programId: string;
  /** "NPS", "eNPS", "CSAT top-2 %", "CES mean". */
  readonly measure: string;
  /** The period the figures are of: the week, or (eNPS) the last closed month, as the report keeps anonymity. */
  readonly period: Period;
  /** eNPS figures not shown (too few answers, or the month not closed): the reason. */
  readonly hidden?: string;
  readonly score?: { readonly value: number; readonly lower: number; readonly upper: number; readonly marginOfError: number };
  readonly baseline?: { readonly value: number; readonly period: Period; readonly change: number | null };
  readonly responses: number;
  readonly sent: number;
  readonly responseRate: number | null;
  readonly followUps: {
    readonly opened: number;
    readonly resolved: number;
    /** % of the resolved cases acknowledged / resolved in time. */
    readonly acknowledgedInTime: number | null;
    readonly resolvedInTime: number | null;
    /** Cases resolved after their due time. */
    readonly resolvedLate: number;
    readonly medianTimeToResolve: string | null;
  };
  readonly topTopics: readonly Ranked[];
  readonly topRootCauses: readonly Ranked[];
}

export interface DigestContent {
  readonly digestId: string;
  readonly brandName: string;
  readonly week: Period;
  readonly timeZone: string;
  readonly programs: readonly DigestProgram[];
  /** Cases still open past their resolve-by time when the digest was built, per follow-up queue (absent: not counted). */
  readonly overdueNow?: readonly { readonly queue: string; readonly count: number }[];
}

const TOP = 3;
const measureOf = (kind: SegmentReport['kind']) => surveyKind(kind).figure.name;

/** The digest of one week from the reports of the segment "all" (one per program). */
export function digestContent(
  digest: Pick<Digest, 'id' | 'timeZone'>,
  brandName: string,
  week: Period,
  reports: readonly SegmentReport[],
  overdueNow?: readonly { readonly queue: string; readonly count: number }[],
): DigestContent {
  return {
    digestId: digest.id,
    brandName,
    week,
    timeZone: digest.timeZone,
    ...(overdueNow ? { overdueNow } : {}),
    programs: reports.map((r): DigestProgram => {
      const base = { programId: r.programId, measure: measureOf(r.kind), period: r.period, sent: r.sent };
      if (r.suppressed) {
        return {
          ...base,
          hidden: `eNPS is anonymous: shown by closed month once it has enough answers (${r.period.from} … ${r.period.to} has not)`,
          responses: 0,
          responseRate: null,
          followUps: { opened: 0, resolved: 0, acknowledgedInTime: null, resolvedInTime: null, resolvedLate: 0, medianTimeToResolve: null },
          topTopics: [],
          topRootCauses: [],
        };
      }
      const f = r.followUp;
      // The report gives the share resolved in time (rounded to 0.1 %): the late ones are the rest.
      const resolvedLate = f.resolvedInTime === null ? 0 : Math.round((f.resolved * (100 - f.resolvedInTime)) / 100);
      return {
        ...base,
        ...(r.score ? { score: { value: r.score.value, lower: r.score.lower, upper: r.score.upper, marginOfError: r.score.marginOfError } } : {}),
        ...(r.previousScore ? { baseline: { value: r.previousScore.value, period: r.previousPeriod, change: r.change } } : {}),
        responses: r.responses,
        responseRate: r.responseRate,
        followUps: {
          opened: f.opened,
          resolved: f.resolved,
          acknowledgedInTime: f.acknowledgedInTime,
          resolvedInTime: f.resolvedInTime,
          resolvedLate,
          medianTimeToResolve: f.medianTimeToResolve,
        },
        topTopics: r.topics.slice(0, TOP),
        topRootCauses: r.rootCauses.slice(0, TOP),
      };
    }),
  };
}

const signed = (n: number | null) => (n === null ? '–' : `${n > 0 ? '+' : ''}${n}`);
const pct = (n: number | null) => (n === null ? '–' : `${n} %`);
const ranked = (items: readonly Ranked[]) => (items.length ? items.map((i) => `${cleanText(i.name)} ${i.count} (${i.share} %)`).join(', ') : 'none');

/** The lines of one program, as plain text (the email's text part, and each Slack field's content). */
export function programLines(p: DigestProgram): { label: string; text: string }[] {
  if (p.hidden) return [{ label: p.measure, text: `not shown — ${p.hidden}` }];
  const score = p.score ? `${p.score.value} ± ${p.score.marginOfError} (95 % interval ${p.score.lower} to ${p.score.upper})` : '– (no answers)';
  const baseline = p.baseline
    ? `${p.baseline.value} in ${p.baseline.period.from} … ${p.baseline.period.to} (change ${signed(p.baseline.change)})`
    : '– (no answers)';
  const f = p.followUps;
  return [
    { label: p.measure, text: score },
    { label: 'Baseline (the period before)', text: baseline },
    { label: 'Responses', text: `${p.responses} of ${p.sent} sent (${pct(p.responseRate)})` },
    {
      label: 'Follow-ups',
      text: `${f.opened} opened, ${f.resolved} resolved; SLA: acknowledged in time ${pct(f.acknowledgedInTime)}, resolved in time ${pct(f.resolvedInTime)}; median time to resolve ${f.medianTimeToResolve ?? '–'}`,
    },
    { label: 'Resolved late', text: `${f.resolvedLate} resolved after their due time` },
    { label: 'Top topics', text: ranked(p.topTopics) },
    { label: 'Top root causes', text: ranked(p.topRootCauses) },
  ];
}

/** "Open and overdue now: support 2, customer-success 0 (3 in all)". */
export function overdueLine(content: DigestContent): string | undefined {
  if (!content.overdueNow) return undefined;
  const total = content.overdueNow.reduce((sum, q) => sum + q.count, 0);
  const queues = content.overdueNow.map((q) => `${cleanText(q.queue)} ${q.count}`).join(', ');
  return `Open and overdue now: ${total ? `${queues} (${total} in all)` : 'none'} · closeloop case list --overdue`;
}

const title = (c: DigestContent) => `${c.brandName} weekly digest · ${c.week.from} … ${c.week.to}`;
const programTitle = (p: DigestProgram) => `${cleanText(p.programId)}${p.period.from !== p.period.to ? ` · ${p.period.from} … ${p.period.to}` : ''}`;
const escapeSlack = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Slack allows 50 blocks a message: a header, the overdue line, two per program, a context line. */
const MAX_SLACK_PROGRAMS = 23;

/** The digest as one Slack incoming-webhook message (Block Kit). */
export function digestSlackMessage(content: DigestContent): SlackMessage {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `:bar_chart: ${title(content)}`.slice(0, 150), emoji: true } },
  ];
  const overdue = overdueLine(content);
  if (overdue) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeSlack(overdue) } });
  for (const p of content.programs.slice(0, MAX_SLACK_PROGRAMS)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(programTitle(p))}*` } });
    blocks.push({
      type: 'section',
      fields: programLines(p).map((line) => ({ type: 'mrkdwn', text: `*${escapeSlack(line.label)}*\n${escapeSlack(line.text)}`.slice(0, 2000) })),
    });
  }
  const more = content.programs.length - MAX_SLACK_PROGRAMS;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${more > 0 ? `${more} more program${more === 1 ? '' : 's'} in the email and the report · ` : ''}Week in ${escapeSlack(content.timeZone)} · the full report: \`closeloop report --from ${content.week.from} --to ${content.week.to}\``,
      },
    ],
  });
  const headline = content.programs
    .filter((p) => p.score)
    .map((p) => `${p.programId} ${p.measure} ${p.score?.value}`)
    .join(', ');
  return { text: `${title(content)}${headline ? `: ${headline}` : ''}`, blocks };
}

/** The digest as an email: subject, text and HTML in the brand's frame. */
export function digestEmail(
  content: DigestContent,
  brand: Brand,
  /** Where a recipient asks to be taken off the digest (its `to` is the catalog's). */
  stop: { readonly url: string; readonly label: string },
): { subject: string; text: string; html: string } {
  const subject = title(content);
  const intro = `The week ${content.week.from} … ${content.week.to} (${content.timeZone}). Scores with their 95 % interval; the baseline is the period of the same length just before.`;
  const lines = [
    subject,
    '',
    intro,
    '',
    ...(overdueLine(content) ? [overdueLine(content) as string, ''] : []),
    ...content.programs.flatMap((p) => [programTitle(p), ...programLines(p).map((line) => `  ${line.label}: ${line.text}`), '']),
    ...(content.programs.length ? [] : ['No programs.', '']),
    `The full report: closeloop report --from ${content.week.from} --to ${content.week.to}`,
    '',
  ];
  const cell = `padding:4px 8px 4px 0;vertical-align:top;font:14px/1.4 Arial,Helvetica,sans-serif;${TEXT_CELL}`;
  const sections = content.programs
    .map(
      (p) =>
        `<h2 style="margin:16px 0 4px;font:bold 16px/1.4 Arial,Helvetica,sans-serif;">${escapeHtml(programTitle(p))}</h2>` +
        `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${programLines(p)
          .map((line) => `<tr><th align="left" style="${cell}">${escapeHtml(line.label)}</th><td style="${cell}">${escapeHtml(line.text)}</td></tr>`)
          .join('')}</table>`,
    )
    .join('\n');
  const { html, text } = framedEmail(
    {
      locale: 'en',
      dir: 'ltr',
      title: subject,
      brandName: content.brandName,
      brand,
      unsubscribeUrl: stop.url,
      unsubscribeLabel: stop.label,
      preheader: intro,
    },
    textRow(
      'ltr',
      `<h1 style="margin:0 0 8px;font:bold 20px/1.3 Arial,Helvetica,sans-serif;">${escapeHtml(subject)}</h1>
<p style="margin:0 0 12px;">${escapeHtml(intro)}</p>
${overdueLine(content) ? `<p style="margin:0 0 12px;font-weight:bold;">${escapeHtml(overdueLine(content) as string)}</p>\n` : ''}${sections || '<p>No programs.</p>'}
<p class="${MUTED.className}" style="margin:16px 0 0;color:${MUTED.color};">The full report: <code>closeloop report --from ${content.week.from} --to ${content.week.to}</code></p>`,
      15,
    ),
    lines,
  );
  return { subject, text, html };
}
