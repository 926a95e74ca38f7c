import { createHash } from 'node:crypto';
import { escapeHtml } from '../domain/html.js';
import { MAX_COMMENT_LENGTH } from '../domain/invitation.js';
import { FALLBACK_LOCALE, fill, type Messages, messagesFor } from '../domain/messages.js';
import type { Brand } from '../domain/program.js';
import { scoresOf } from '../domain/survey-kinds.js';
import type { FormView, View } from './respond.js';

export interface PageSettings {
  readonly brand: Brand;
  /** The catalog's locale bundles. */
  readonly locales: Readonly<Record<string, Messages>>;
  readonly supportEmail: string;
  /** Links and form actions are built from this, never from the Host header. */
  readonly publicBaseUrl: string;
}

export interface HtmlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const CSS = `*{box-sizing:border-box}body{margin:0;background:#f4f6f8;color:#1a1a1a;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Tahoma,"Noto Sans","Noto Sans Thai","Noto Naskh Arabic","Vazirmatn",sans-serif;line-break:strict;overflow-wrap:break-word}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.3rem;margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.25rem;padding:0}legend{font-weight:700;margin-bottom:.75rem}
.scale{display:flex;gap:.25rem}.scale label{flex:1 1 0;min-width:0;position:relative}
.scale input{position:absolute;opacity:0;inset:0;margin:0;width:100%;height:100%;cursor:pointer}
.scale span{display:block;text-align:center;padding:.7rem 0;min-height:2.75rem;border:2px solid #1f4e79;border-radius:.4rem;background:#fff;color:#1f4e79;font-weight:700}
.scale input:checked+span{background:#1f4e79;color:#fff}.scale input:focus-visible+span{outline:3px solid #b35900;outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:1rem;font-size:.85rem;color:#444;margin-top:.35rem}
label.question{display:block;font-weight:700;margin:0 0 .4rem}textarea{width:100%;min-height:6rem;font:inherit;padding:.6rem;border:2px solid #666;border-radius:.4rem;margin-bottom:1rem}
textarea:focus-visible{outline:3px solid #b35900;outline-offset:1px}
button{font:inherit;font-weight:700;padding:.75rem 2rem;border:0;border-radius:.4rem;background:#1f4e79;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #b35900;outline-offset:2px}
.error{color:#a40000;font-weight:700}.answer{font-size:1.6rem;font-weight:700;color:#1f4e79}
.footer{margin-top:2rem;font-size:.8rem;color:#555}`;

/** The pages' accent unless the brand gives one: links, the scale, the button. */
export const DEFAULT_ACCENT = '#1f4e79';

/**
 * The pages' only script. It marks that it ran (`j`: "1", or "a" when `navigator.webdriver` says the
 * browser is driven by automation), and marks the form when a real (trusted) pointer, touch, click
 * or key event happens on it (`h`) — evidence of a person that script run by a scanner cannot
 * produce. Without it the forms still work, with one confirmation; see domain/evidence.ts.
 */
const SCRIPT =
  `(function(){document.querySelectorAll("form[data-evidence]").forEach(function(f){` +
  `var h=f.querySelector("input[name=h]"),j=f.querySelector("input[name=j]");j.value=navigator.webdriver?"a":"1";` +
  `function m(e){if(e.isTrusted)h.value="1";}["pointerdown","touchstart","click","keydown"].forEach(function(t){f.addEventListener(t,m,true);});});})();`;

const hash = (text: string) => createHash('sha256').update(text).digest('base64');

const csp = (css: string) =>
  `default-src 'none'; style-src 'sha256-${hash(css)}'; script-src 'sha256-${hash(SCRIPT)}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** No third-party anything; one hashed style, one hashed script; forms post only to ourselves. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': csp(CSS),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  // HTTPS only, for a year: the pages are served over HTTPS (the API, or CloudFront in front of it).
  'strict-transport-security': 'max-age=31536000',
  'content-type': 'text/html; charset=utf-8',
};

/**
 * The style in the brand's accent and the headers that allow exactly it: the CSP stays a hash of the
 * one style the page carries, whatever the colour (computed once per accent, i.e. per cold start).
 */
const styles = new Map<string, { css: string; headers: Record<string, string> }>();
function styleFor(brand: Brand): { css: string; headers: Record<string, string> } {
  const accent = brand.accentColor ?? DEFAULT_ACCENT;
  let style = styles.get(accent);
  if (!style) {
    const css = CSS.replaceAll(DEFAULT_ACCENT, accent);
    style = { css, headers: { ...SECURITY_HEADERS, 'content-security-policy': csp(css) } };
    styles.set(accent, style);
  }
  return style;
}

function document(settings: PageSettings, lang: string, dir: string, title: string, body: string, script = false): string {
  const footer = settings.brand.footer ? `<p class="footer">${escapeHtml(settings.brand.footer)}</p>` : '';
  return (
    `<!DOCTYPE html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><style>${styleFor(settings.brand).css}</style></head><body><main>${body}${footer}</main>` +
    `${script ? `<script>${SCRIPT}</script>` : ''}</body></html>`
  );
}

export function renderView(view: View, settings: PageSettings): HtmlResponse {
  return { statusCode: view.status, headers: { ...styleFor(settings.brand).headers }, body: renderBody(view, settings) };
}

const base = (settings: PageSettings) => settings.publicBaseUrl.replace(/\/+$/, '');
const hidden = (name: string, value: string | number) => `<input type="hidden" name="${name}" value="${escapeHtml(String(value))}">`;

/** A form with the evidence fields: the signed render stamp, and what the script reports (0 until it runs). */
function evidenceForm(action: string, stamp: string, extra = ''): string {
  return `<form method="post" action="${escapeHtml(action)}" data-evidence>${hidden('t', stamp)}${hidden('h', 0)}${hidden('j', 0)}${extra}`;
}

function formOpen(form: FormView, settings: PageSettings, extra = ''): string {
  return evidenceForm(`${base(settings)}/r/${encodeURIComponent(form.token)}`, form.stamp, extra);
}

function ratingForm(view: Extract<View, { view: 'rating' }>, m: Messages, settings: PageSettings): string {
  const scores = scoresOf(view.kind);
  const radios = scores
    .map(
      (score) =>
        `<label><input type="radio" name="score" value="${score}"${score === view.selected ? ' checked' : ''} required>` + `<span>${score}</span></label>`,
    )
    .join('');
  const error = view.error ? `<p class="error" role="alert">${escapeHtml(m.invalidScore)}</p>` : '';
  const second = view.secondQuestion
    ? `<label class="question" for="answer2">${escapeHtml(view.secondQuestion)}</label>` +
      `<textarea id="answer2" name="answer2" maxlength="${MAX_COMMENT_LENGTH}"></textarea>`
    : '';
  return (
    `<h1>${escapeHtml(settings.brand.name)}</h1>${error}${formOpen(view, settings)}` +
    `<fieldset><legend>${escapeHtml(view.question)}</legend><div class="scale" dir="ltr">${radios}</div>` +
    `<div class="ends" dir="ltr" aria-hidden="true"><span>${scores[0]} = ${escapeHtml(m.low[view.kind])}</span>` +
    `<span>${scores[scores.length - 1]} = ${escapeHtml(m.high[view.kind])}</span></div></fieldset>` +
    `<label class="question" for="comment">${escapeHtml(m.reason)}</label>` +
    `<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_LENGTH}" autofocus></textarea>${second}` +
    `<button type="submit">${escapeHtml(m.submit)}</button></form>`
  );
}

function confirmForm(view: Extract<View, { view: 'confirm' }>, m: Messages, settings: PageSettings): string {
  const { answer } = view;
  const fields =
    hidden('score', answer.score) +
    (answer.comment ? hidden('comment', answer.comment) : '') +
    (answer.secondAnswer ? hidden('answer2', answer.secondAnswer) : '');
  return (
    `<h1>${escapeHtml(m.confirmTitle)}</h1><p>${escapeHtml(view.question)}</p>` +
    `<p>${escapeHtml(m.yourScore)}: <span class="answer" dir="ltr">${answer.score}</span></p>` +
    `${formOpen(view, settings, fields)}<button type="submit" autofocus>${escapeHtml(m.submit)}</button></form>`
  );
}

function renderBody(view: View, settings: PageSettings): string {
  switch (view.view) {
    case 'invalid': {
      const m = messagesFor(settings.locales, FALLBACK_LOCALE);
      return document(settings, FALLBACK_LOCALE, m.dir, settings.brand.name, `<h1>${escapeHtml(m.invalidLink)}</h1>`);
    }
    case 'thanks': {
      const m = messagesFor(settings.locales, view.locale);
      return document(
        settings,
        view.locale,
        m.dir,
        m.thanksTitle,
        `<h1>${escapeHtml(m.thanksTitle)}</h1><p>${escapeHtml(fill(m.thanksBody, { support: settings.supportEmail }))}</p>`,
      );
    }
    case 'unsubscribe': {
      const m = messagesFor(settings.locales, view.locale);
      const title = view.confirm ? m.unsubscribeConfirmTitle : m.unsubscribeTitle;
      return document(
        settings,
        view.locale,
        m.dir,
        title,
        `<h1>${escapeHtml(title)}</h1>${evidenceForm(`${base(settings)}/u/${encodeURIComponent(view.token)}`, view.stamp)}` +
          `<button type="submit"${view.confirm ? ' autofocus' : ''}>${escapeHtml(m.unsubscribeConfirm)}</button></form>`,
        true,
      );
    }
    case 'unsubscribed': {
      const m = messagesFor(settings.locales, view.locale);
      return document(settings, view.locale, m.dir, m.unsubscribeTitle, `<h1>${escapeHtml(m.unsubscribeTitle)}</h1><p>${escapeHtml(m.unsubscribed)}</p>`);
    }
    case 'rating': {
      const m = messagesFor(settings.locales, view.locale);
      return document(settings, view.locale, m.dir, view.question, ratingForm(view, m, settings), true);
    }
    case 'confirm': {
      const m = messagesFor(settings.locales, view.locale);
      return document(settings, view.locale, m.dir, m.confirmTitle, confirmForm(view, m, settings), true);
    }
  }
}
