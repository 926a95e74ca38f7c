import { createHash } from 'node:crypto';
import { escapeHtml } from '../domain/html.js';
import { fill, messagesFor } from '../domain/messages.js';
import { scoresOf } from '../domain/survey-kinds.js';
import type { View } from './respond.js';

export interface PageSettings {
  readonly brand: string;
  readonly supportEmail: string;
  /** Links and form actions are built from this, never from the Host header. */
  readonly publicBaseUrl: string;
}

export interface HtmlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const CSS = `*{box-sizing:border-box}body{margin:0;background:#f4f6f8;color:#1a1a1a;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Tahoma,"Noto Sans","Noto Sans Thai","Vazirmatn",sans-serif;line-break:strict;overflow-wrap:break-word}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.3rem;margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.25rem;padding:0}legend{font-weight:700;margin-bottom:.75rem}
.scale{display:flex;flex-wrap:wrap;gap:.35rem}.scale label{flex:1 0 2.6rem;position:relative}
.scale input{position:absolute;opacity:0;inset:0;margin:0}
.scale span{display:block;text-align:center;padding:.7rem 0;border:2px solid #1f4e79;border-radius:.4rem;background:#fff;color:#1f4e79;font-weight:700}
.scale input:checked+span{background:#1f4e79;color:#fff}.scale input:focus-visible+span{outline:3px solid #b35900;outline-offset:2px}
.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#444;margin-top:.35rem}
label.reason{display:block;font-weight:700;margin-bottom:.4rem}textarea{width:100%;min-height:7rem;font:inherit;padding:.6rem;border:2px solid #666;border-radius:.4rem}
button{margin-top:1rem;font:inherit;font-weight:700;padding:.75rem 2rem;border:0;border-radius:.4rem;background:#1f4e79;color:#fff;cursor:pointer}
.error{color:#a40000;font-weight:700}`;

const STYLE_HASH = createHash('sha256').update(CSS).digest('base64');

/** No scripts, no third-party assets, forms post only to ourselves, no framing, no referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'content-type': 'text/html; charset=utf-8',
};

function document(lang: string, dir: string, title: string, body: string): string {
  return `<!DOCTYPE html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>${body}</main></body></html>`;
}

export function renderView(view: View, settings: PageSettings): HtmlResponse {
  return { statusCode: view.status, headers: { ...SECURITY_HEADERS }, body: renderBody(view, settings) };
}

function renderBody(view: View, settings: PageSettings): string {
  const values = { brand: settings.brand, support: settings.supportEmail };
  switch (view.view) {
    case 'invalid': {
      const m = messagesFor('en');
      return document('en', 'ltr', settings.brand, `<h1>${escapeHtml(m.invalidLink)}</h1>`);
    }
    case 'thanks': {
      const m = messagesFor(view.locale);
      return document(view.locale, m.dir, m.thanksTitle,
        `<h1>${escapeHtml(m.thanksTitle)}</h1><p>${escapeHtml(fill(m.thanksBody, values))}</p>`);
    }
    case 'unsubscribe': {
      const m = messagesFor(view.locale);
      const action = `${settings.publicBaseUrl.replace(/\/+$/, '')}/u/${encodeURIComponent(view.token)}`;
      return document(view.locale, m.dir, m.unsubscribeTitle,
        `<h1>${escapeHtml(m.unsubscribeTitle)}</h1><form method="post" action="${escapeHtml(action)}">` +
        `<button type="submit">${escapeHtml(m.unsubscribeConfirm)}</button></form>`);
    }
    case 'unsubscribed': {
      const m = messagesFor(view.locale);
      return document(view.locale, m.dir, m.unsubscribeTitle,
        `<h1>${escapeHtml(m.unsubscribeTitle)}</h1><p>${escapeHtml(m.unsubscribed)}</p>`);
    }
    case 'rating': {
      const m = messagesFor(view.locale);
      const question = fill(m.question[view.kind], values);
      const scores = scoresOf(view.kind);
      const radios = scores
        .map((score) => `<label><input type="radio" name="score" value="${score}"${score === view.selected ? ' checked' : ''} required>` +
          `<span>${score}</span></label>`)
        .join('');
      const action = `${settings.publicBaseUrl.replace(/\/+$/, '')}/r/${encodeURIComponent(view.token)}`;
      const error = view.error ? `<p class="error" role="alert">${escapeHtml(m.invalidScore)}</p>` : '';
      return document(view.locale, m.dir, question,
        `<h1>${escapeHtml(settings.brand)}</h1>${error}<form method="post" action="${escapeHtml(action)}">` +
        `<fieldset><legend>${escapeHtml(question)}</legend><div class="scale" dir="ltr">${radios}</div>` +
        `<div class="ends" dir="ltr" aria-hidden="true"><span>${scores[0]} = ${escapeHtml(m.low[view.kind])}</span>` +
        `<span>${scores[scores.length - 1]} = ${escapeHtml(m.high[view.kind])}</span></div></fieldset>` +
        `<label class="reason" for="comment">${escapeHtml(m.reason)}</label>` +
        `<textarea id="comment" name="comment" maxlength="2000" autofocus></textarea>` +
        `<button type="submit">${escapeHtml(m.submit)}</button></form>`);
    }
  }
}
