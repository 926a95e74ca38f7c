import { escapeHtml } from './html.js';
import type { Messages } from './messages.js';
import type { Brand } from './program.js';
import { cleanText } from './text.js';

/** Links and the score scale unless the brand gives an accent colour (the pages use the same). */
export const DEFAULT_ACCENT = '#1f4e79';

/** What frames every email Closeloop sends (surveys, respondent notifications, announcements, digests) alike. */
export interface EmailFrame {
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly title: string;
  /** The brand's name as the recipient reads it (filled in their language). */
  readonly brandName: string;
  readonly brand: Brand;
  readonly unsubscribeUrl: string;
  readonly unsubscribeLabel: string;
  /** The inbox's preview line: the first paragraph after the greeting (preheaderText cleans and cuts it). */
  readonly preheader: string;
}

/** The frame of an email to a respondent: the direction and the unsubscribe wording of their language's bundle. */
export function respondentFrame(
  m: Pick<Messages, 'dir' | 'unsubscribe'>,
  fields: { readonly locale: string; readonly title: string; readonly brand: Brand; readonly unsubscribeUrl: string; readonly preheader: string },
): EmailFrame {
  return { ...fields, dir: m.dir, brandName: fields.brand.name, unsubscribeLabel: m.unsubscribe };
}

/**
 * An email's two parts: the HTML in the frame (`rows`), and the plain text (`lines`, joined by line
 * breaks) followed by the same footer: the brand, its footer line, the unsubscribe label and link.
 */
export function framedEmail(frame: EmailFrame, rows: string, lines: readonly string[]): { html: string; text: string } {
  const footer = [frame.brandName, ...(frame.brand.footer ? [frame.brand.footer] : []), `${frame.unsubscribeLabel}: ${frame.unsubscribeUrl}`];
  return { html: framedEmailHtml(frame, rows), text: [...lines, ...footer].join('\n') };
}

/** The card's colours, light and dark (the dark ones only where the client honours `prefers-color-scheme`). */
const LIGHT = { page: '#f4f6f8', card: '#ffffff', text: '#1a1a1a', muted: '#555555' } as const;
const DARK = { page: '#121212', card: '#1e1e1e', text: '#e8e8e8', muted: '#b8b8b8' } as const;

/** WCAG 2 relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** A `#rgb` or `#rrggbb` colour as `#rrggbb` (the catalog accepts both). */
function longHex(colour: string): string {
  return /^#[0-9a-f]{3}$/i.test(colour) ? `#${[...colour.slice(1)].map((c) => c + c).join('')}` : colour;
}

/**
 * The score links' text colour on the card, light and dark: the brand's accent where it reaches
 * 4.5:1 (WCAG AA for text) on that background, else the body text colour; the accent stays their border.
 */
export function scoreColours(accentColor: string | undefined): { readonly accent: string; readonly light: string; readonly dark: string } {
  const accent = longHex(accentColor ?? DEFAULT_ACCENT);
  return {
    accent,
    light: contrastRatio(accent, LIGHT.card) >= 4.5 ? accent : LIGHT.text,
    dark: contrastRatio(accent, DARK.card) >= 4.5 ? accent : DARK.text,
  };
}

/** The preview line: one line (cleanText: control and bidi characters removed, whitespace collapsed), no zero-width spaces, cut to 90 characters. */
export function preheaderText(text: string): string {
  const clean = cleanText(text).replace(/[\u200B\uFEFF]/g, '');
  const characters = [...clean];
  return characters.length <= 90 ? clean : `${characters.slice(0, 89).join('').trimEnd()}…`;
}

/** The inline style of a cell of body text: long words and URLs wrap instead of widening the email. */
export const TEXT_CELL = 'overflow-wrap:anywhere;word-break:break-word;';

/** A row of body text (paragraphs as HTML) in the card. */
export function textRow(dir: 'ltr' | 'rtl', html: string, fontPx = 16): string {
  return `<tr><td dir="${dir}" class="cl-text" style="padding:24px 20px;font:${fontPx}px/1.5 Arial,Helvetica,sans-serif;color:${LIGHT.text};${TEXT_CELL}">
${html}
</td></tr>`;
}

/** The class and colours of muted text (scale labels, notes): enough contrast in both schemes. */
export const MUTED = { className: 'cl-muted', color: LIGHT.muted } as const;

/**
 * The brand block around an email's own rows: the document, the centred card (560 px at most,
 * the whole width of a phone down to 320 px), the brand's logo (https only, checked by the catalog;
 * its name is the text for blocked images), a hidden preview line, and the footer with the brand,
 * its footer line (e.g. a postal address) and the unsubscribe link. `rows` are `<tr>`s. Inline styles
 * and table layout for every client; the `<style>` block only adds dark colours where the client
 * honours `prefers-color-scheme` (one that strips it shows the light email).
 */
export function framedEmailHtml(frame: EmailFrame, rows: string): string {
  const { dir, brandName, brand } = frame;
  const score = scoreColours(brand.accentColor);
  const logo = brand.logoUrl
    ? `<tr><td dir="${dir}" style="padding:24px 20px 0;"><img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brandName)}" height="40" style="display:block;height:40px;max-width:200px;border:0;"></td></tr>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="${frame.locale}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(frame.title)}</title>
<style>
:root{color-scheme:light dark;supported-color-schemes:light dark;}
@media (prefers-color-scheme: dark){
.cl-page{background:${DARK.page} !important;}
.cl-card{background:${DARK.card} !important;}
.cl-text{color:${DARK.text} !important;}
.cl-muted,.cl-muted a{color:${DARK.muted} !important;}
.cl-score{background:${DARK.card} !important;color:${score.dark} !important;}
}
</style>
</head>
<body class="cl-page" style="margin:0;padding:0;background:${LIGHT.page};">
<span style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">${escapeHtml(preheaderText(frame.preheader))}</span>
<table role="presentation" class="cl-page" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:${LIGHT.page};">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" class="cl-card" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background:${LIGHT.card};border-radius:8px;">
${logo}${rows}
<tr><td dir="${dir}" class="${MUTED.className}" style="padding:16px 20px 24px;font:12px/1.5 Arial,Helvetica,sans-serif;color:${MUTED.color};${TEXT_CELL}">${escapeHtml(brandName)}<br>
${brand.footer ? `${escapeHtml(brand.footer)}<br>\n` : ''}
<a href="${escapeHtml(frame.unsubscribeUrl)}" style="color:${MUTED.color};">${escapeHtml(frame.unsubscribeLabel)}</a></td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
}
