import { escapeHtml } from '../domain/html.js';
import type { Ranked, SegmentReport } from '../domain/report.js';
import { surveyKind } from '../domain/survey-kinds.js';
import { cleanText } from '../domain/text.js';

const W = 560;
const H = 200;
const PAD = { left: 44, right: 16, top: 16, bottom: 36 };
const innerW = W - PAD.left - PAD.right;
const innerH = H - PAD.top - PAD.bottom;
const f = (n: number) => Math.round(n * 10) / 10;

function frame(title: string, body: string, yLabels: [number, string][]): string {
  const grid = yLabels
    .map(
      ([y, text]) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y)}" y2="${f(y)}" class="grid"/><text x="${PAD.left - 6}" y="${f(y + 4)}" class="axis" text-anchor="end">${escapeHtml(text)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">${grid}${body}</svg></figure>`;
}

const scale = (min: number, max: number) => (v: number) => PAD.top + innerH - ((v - min) / (max - min || 1)) * innerH;

/** A line over periods with an optional band (the confidence interval). */
function trendChart(title: string, points: { label: string; value: number | null; lower?: number; upper?: number }[], min: number, max: number): string {
  const y = scale(min, max);
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i / (points.length - 1)) * innerW);
  const present = points.map((p, i) => ({ ...p, i })).filter((p) => p.value !== null);
  const band = present.filter((p) => p.lower !== undefined && p.upper !== undefined);
  const bandPath = band.length
    ? `<polygon class="band" points="${[...band.map((p) => `${f(x(p.i))},${f(y(p.upper as number))}`), ...[...band].reverse().map((p) => `${f(x(p.i))},${f(y(p.lower as number))}`)].join(' ')}"/>`
    : '';
  const line = `<polyline class="line" points="${present.map((p) => `${f(x(p.i))},${f(y(p.value as number))}`).join(' ')}"/>`;
  // Error bars too: a band needs two points to show, an interval needs one.
  const bars = band
    .map((p) => `<line class="err" x1="${f(x(p.i))}" x2="${f(x(p.i))}" y1="${f(y(p.lower as number))}" y2="${f(y(p.upper as number))}"/>`)
    .join('');
  const dots = present
    .map((p) => `<circle class="dot" cx="${f(x(p.i))}" cy="${f(y(p.value as number))}" r="3"><title>${escapeHtml(`${p.label}: ${p.value}`)}</title></circle>`)
    .join('');
  const labels = points
    .map((p, i) =>
      points.length <= 8 || i % Math.ceil(points.length / 8) === 0
        ? `<text x="${f(x(i))}" y="${H - 14}" class="axis" text-anchor="middle">${escapeHtml(p.label.slice(5))}</text>`
        : '',
    )
    .join('');
  const ticks: [number, string][] = [0, 0.5, 1].map((t) => [y(min + (max - min) * t), String(f(min + (max - min) * t))]);
  return frame(title, `${bandPath}${bars}${line}${dots}${labels}`, ticks);
}

/** Bars, with an optional cumulative line on a 0–100 % scale (Pareto). */
function barChart(title: string, bars: { label: string; value: number }[], cumulative?: number[]): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const y = scale(0, max);
  const slot = innerW / Math.max(1, bars.length);
  const rects = bars
    .map(
      (b, i) =>
        `<rect class="bar" x="${f(PAD.left + i * slot + slot * 0.15)}" y="${f(y(b.value))}" width="${f(slot * 0.7)}" height="${f(PAD.top + innerH - y(b.value))}"><title>${escapeHtml(`${b.label}: ${b.value}`)}</title></rect>` +
        `<text x="${f(PAD.left + i * slot + slot / 2)}" y="${H - 14}" class="axis" text-anchor="middle">${escapeHtml(b.label.slice(0, 24))}</text>`,
    )
    .join('');
  const pct = scale(0, 100);
  const line = cumulative ? `<polyline class="line" points="${cumulative.map((c, i) => `${f(PAD.left + i * slot + slot / 2)},${f(pct(c))}`).join(' ')}"/>` : '';
  return frame(title, rects + line, [
    [y(0), '0'],
    [y(max), String(max)],
  ]);
}

const paretoChart = (title: string, ranked: readonly Ranked[]) =>
  barChart(
    title,
    ranked.map((r) => ({ label: r.name, value: r.count })),
    ranked.map((r) => r.cumulativeShare),
  );

function section(r: SegmentReport): string {
  const head = `<h2>${escapeHtml(cleanText(r.programId))} · ${escapeHtml(cleanText(r.segment))}</h2>`;
  if (r.suppressed) {
    const months = r.series
      .map(
        (p) =>
          `<li>${escapeHtml(p.period.slice(0, 7))}: ${p.responses === null ? 'not shown' : `${p.responses} responses, ${escapeHtml(surveyKind(r.kind).figure.name)} ${p.score ? `${p.score.value} ± ${p.score.marginOfError}` : '–'}`}</li>`,
      )
      .join('');
    return `<section>${head}<p>Fewer responses than the minimum group size in this period or one of its months: the period's figures are not shown (eNPS is anonymous).</p>${months ? `<ul>${months}</ul>` : ''}</section>`;
  }
  const { range, title: name } = surveyKind(r.kind).figure;
  const summary = [
    `${name}: <strong>${r.score ? `${r.score.value} ± ${r.score.marginOfError}` : '–'}</strong> (before: ${r.previousScore?.value ?? '–'}, change ${r.change ?? '–'})`,
    `Responses: ${r.responses} of ${r.sent} sent (${r.responseRate ?? '–'} %)`,
    ...(r.deliverability
      ? [
          `Deliverability: ${r.deliverability.bouncedHard} hard bounces (${r.deliverability.bounceRate ?? '–'} %), ${r.deliverability.bouncedSoft} soft, ${r.deliverability.complained} complaints (${r.deliverability.complaintRate ?? '–'} %)`,
        ]
      : []),
    ...(r.split ? [`Promoters ${r.split.promoters} %, passives ${r.split.passives} %, detractors ${r.split.detractors} %`] : []),
    ...(r.reminders
      ? [
          `Reminders: with a reminder ${r.reminders.withReminder.responses} of ${r.reminders.withReminder.sent} answered (${r.reminders.withReminder.responseRate ?? '–'} %), held out ${r.reminders.heldOut.responses} of ${r.reminders.heldOut.sent} (${r.reminders.heldOut.responseRate ?? '–'} %); ${r.reminders.remindersSent} reminders sent, ${r.reminders.respondedAfterReminder} answers after one`,
        ]
      : []),
    `Follow-ups: ${r.followUp.opened} opened, ${r.followUp.resolved} resolved; median time to resolve ${r.followUp.medianTimeToResolve ?? '–'}`,
  ]
    .map((line) => `<li>${line}</li>`)
    .join('');
  const charts = [
    trendChart(
      `${name} over time, with its 95 % confidence band`,
      r.series.map((p) => ({ label: p.period, value: p.score?.value ?? null, lower: p.score?.lower, upper: p.score?.upper })),
      ...range,
    ),
    barChart(
      'Score distribution',
      Object.entries(r.distribution).map(([score, count]) => ({ label: score, value: count })),
    ),
    trendChart(
      'Response rate (%)',
      r.series.map((p) => ({ label: p.period, value: p.sent && p.responses !== null ? f((p.responses / p.sent) * 100) : null })),
      0,
      100,
    ),
    barChart('Follow-up SLA compliance (%)', [
      { label: 'acknowledged in time', value: r.followUp.acknowledgedInTime ?? 0 },
      { label: 'resolved in time', value: r.followUp.resolvedInTime ?? 0 },
      { label: 'scale: 100 %', value: 100 },
    ]),
    paretoChart('Root causes (Pareto)', r.rootCauses),
    paretoChart('Comment topics (Pareto)', r.topics),
  ].join('');
  return `<section>${head}<ul>${summary}</ul><div class="charts">${charts}</div></section>`;
}

/** The charts' style: the HTML report's, and the workspace's dashboard's (its stylesheet includes it). */
export const CHART_CSS = `.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(340px,100%),1fr));gap:.75rem}figure{margin:0}figcaption{font-weight:600;margin:.25rem 0}
svg{width:100%;height:auto}.grid{stroke:#ddd}.axis{font-size:11px;fill:#555}.line{fill:none;stroke:#1f4e79;stroke-width:2}.dot{fill:#1f4e79}
.band{fill:#1f4e79;opacity:.15}.err{stroke:#1f4e79;stroke-opacity:.5;stroke-width:1.5}.bar{fill:#4a7fb0}`;

const CSS = `body{font:15px/1.45 system-ui,"Noto Sans",sans-serif;margin:0;background:#f4f6f8;color:#1a1a1a}main{max-width:1200px;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:8px;padding:1rem;margin:0 0 1rem}h1{font-size:1.4rem}h2{font-size:1.15rem;margin:0 0 .5rem}
${CHART_CSS}`;

/** Every report's section (summary and SVG charts; every text escaped), or a line saying there is nothing. */
export function renderSections(reports: readonly SegmentReport[]): string {
  return reports.map(section).join('') || '<p>No data in this period.</p>';
}

/** A single self-contained HTML file (inline CSS and SVG, no script, nothing fetched). */
export function renderHtml(reports: readonly SegmentReport[], generatedAt: Date): string {
  const period = reports[0] ? `${reports[0].period.from} … ${reports[0].period.to}` : '';
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>Closeloop report ${escapeHtml(period)}</title><style>${CSS}</style></head><body><main>` +
    `<h1>Closeloop report · ${escapeHtml(period)}</h1><p>Generated ${escapeHtml(generatedAt.toISOString())}. Scores with 95 % confidence intervals; "before" is the period of the same length just before.</p>` +
    `${renderSections(reports)}</main></body></html>`
  );
}
