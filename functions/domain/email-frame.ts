import { escapeHtml } from './html.js';
import type { Brand } from './program.js';

/** What frames every email Closeloop sends (surveys, respondent notifications) alike. */
export interface EmailFrame {
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly title: string;
  /** The brand's name as the recipient reads it (filled in their language). */
  readonly brandName: string;
  readonly brand: Brand;
  readonly unsubscribeUrl: string;
  readonly unsubscribeLabel: string;
}

/**
 * The brand block around an email's own rows: the document, the centred card, the brand's logo
 * (https only, checked by the catalog; its name is the text for blocked images) and the footer with
 * the brand, its footer line (e.g. a postal address) and the unsubscribe link. `rows` are `<tr>`s.
 */
export function framedEmailHtml(frame: EmailFrame, rows: string): string {
  const { dir, brandName, brand } = frame;
  const logo = brand.logoUrl
    ? `<tr><td dir="${dir}" style="padding:24px 24px 0;"><img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brandName)}" height="40" style="display:block;height:40px;max-width:200px;border:0;"></td></tr>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="${frame.locale}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(frame.title)}</title></head>
<body style="margin:0;padding:0;background:#f4f6f8;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f6f8;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background:#ffffff;border-radius:8px;">
${logo}${rows}
<tr><td dir="${dir}" style="padding:16px 24px 24px;font:12px/1.5 Arial,Helvetica,sans-serif;color:#666666;">${escapeHtml(brandName)}<br>
${brand.footer ? `${escapeHtml(brand.footer)}<br>\n` : ''}
<a href="${escapeHtml(frame.unsubscribeUrl)}" style="color:#666666;">${escapeHtml(frame.unsubscribeLabel)}</a></td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
}
