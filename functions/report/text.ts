import type { SegmentReport } from '../domain/report.js';
import { surveyKind } from '../domain/survey-kinds.js';
import { cleanText } from '../domain/text.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values (null = a gap). */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return '';
  const min = Math.min(...present);
  const max = Math.max(...present);
  return values.map((v) => (v === null ? ' ' : BARS[max === min ? 3 : Math.round(((v - min) / (max - min)) * 7)])).join('');
}

const label = (r: SegmentReport) => surveyKind(r.kind).figure.name;
const signed = (n: number | null) => (n === null ? '–' : `${n > 0 ? '+' : ''}${n}`);
const or = (value: unknown, fallback = '–') => (value === null || value === undefined ? fallback : String(value));

/** The report for a terminal: one block per program and segment. */
export function renderText(reports: readonly SegmentReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${cleanText(r.programId)} · ${cleanText(r.segment)} · ${r.period.from} … ${r.period.to}`);
    if (r.suppressed) {
      lines.push('  fewer responses than the minimum group size in this period or one of its months: not shown (eNPS is anonymous)');
      const months = r.series.map(
        (p) => `${p.period.slice(0, 7)} ${p.responses === null ? 'not shown' : `${p.responses} (${label(r)} ${p.score?.value ?? '–'})`}`,
      );
      if (months.length) lines.push(`  months         ${months.join('; ')}`);
      lines.push('');
      continue;
    }
    const score = r.score ? `${r.score.value} ± ${r.score.marginOfError}` : '–';
    lines.push(
      `  ${label(r).padEnd(14)} ${score.padEnd(14)} vs ${or(r.previousScore?.value)} before (${signed(r.change)})   ${sparkline(r.series.map((p) => p.score?.value ?? null))}`,
    );
    lines.push(
      `  responses      ${String(r.responses).padEnd(14)} sent ${r.sent}, response rate ${or(r.responseRate)} %   ${sparkline(r.series.map((p) => p.responses))}`,
    );
    const d = r.deliverability;
    if (d && (d.bouncedHard || d.bouncedSoft || d.complained)) {
      lines.push(
        `  deliverability hard bounces ${d.bouncedHard} (${or(d.bounceRate)} %), soft bounces ${d.bouncedSoft}, complaints ${d.complained} (${or(d.complaintRate)} %)`,
      );
    }
    if (r.split) lines.push(`  split          promoters ${r.split.promoters} %, passives ${r.split.passives} %, detractors ${r.split.detractors} %`);
    const f = r.followUp;
    if (f.opened || f.resolved) {
      lines.push(
        `  follow-ups     opened ${f.opened}, resolved ${f.resolved}; acknowledged in time ${or(f.acknowledgedInTime)} %, resolved in time ${or(f.resolvedInTime)} %, median time to resolve ${or(f.medianTimeToResolve)}`,
      );
    }
    const m = r.reminders;
    if (m) {
      lines.push(
        `  reminders      with reminder ${m.withReminder.responses} of ${m.withReminder.sent} answered (${or(m.withReminder.responseRate)} %), held out ${m.heldOut.responses} of ${m.heldOut.sent} (${or(m.heldOut.responseRate)} %), uplift ${signed(m.uplift)} points; ${m.remindersSent} reminders sent, ${m.respondedAfterReminder} answers after one`,
      );
    }
    for (const [title, ranked] of [
      ['root causes', r.rootCauses],
      ['topics', r.topics],
    ] as const) {
      if (!ranked.length) continue;
      lines.push(
        `  ${title.padEnd(14)} ${ranked
          .slice(0, 5)
          .map((x) => `${cleanText(x.name)} ${x.count} (${x.share} %, Σ ${x.cumulativeShare} %)`)
          .join('; ')}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * A text cell for a spreadsheet (OWASP "CSV injection"): one that would start a formula (`=`, `+`,
 * `-`, `@`, tab, CR) gets a leading `'` and is quoted, as is a cell with a quote or comma; control
 * and bidi characters go (domain/text.ts). Segments come from producers' events. Numbers stay numbers.
 */
export function csvCell(value: unknown): string {
  if (typeof value !== 'string') return String(value ?? '');
  const cleaned = cleanText(value);
  const text = /^[=+\-@\t\r]/.test(cleaned) ? `'${cleaned}` : cleaned;
  return text !== cleaned || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV row per program, segment and series period that is shown, for spreadsheets. */
export function renderCsv(reports: readonly SegmentReport[]): string {
  const header = ['program', 'segment', 'kind', 'period', 'sent', 'responses', 'score', 'lower', 'upper'];
  const rows = reports.flatMap((r) =>
    r.series
      .filter((p) => p.responses !== null)
      .map((p) => [r.programId, r.segment, r.kind, p.period, p.sent, p.responses, p.score?.value ?? '', p.score?.lower ?? '', p.score?.upper ?? '']),
  );
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n');
}
