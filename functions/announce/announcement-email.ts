import { framedEmail, respondentFrame, textRow } from '../domain/email-frame.js';
import { escapeHtml } from '../domain/html.js';
import { fill, type Messages, messagesFor, resolveLocale } from '../domain/messages.js';
import type { Brand } from '../domain/program.js';
import { displayValue } from '../domain/text.js';
import type { SurveyEmail } from '../ports.js';
import type { AnnouncementJob } from './announce.js';

/** `{name}` without a name: the words around it close up ("Hello {name}," → "Hello,"). */
function fillText(template: string, name: string | undefined, brand: string): string {
  const filled = fill(template, { name: name ?? '', brand });
  return name
    ? filled
    : filled
        .replace(/[ \t]+([,.!?;:])/g, '$1')
        .replace(/[ \t]{2,}/g, ' ')
        .replace(/[ \t]+$/gm, '');
}

/** The first paragraph after a greeting ("Hello Ana," "Tere!"): a short first line ending in , : ! or ؛ is taken for one. */
function afterGreeting(paragraphs: readonly string[]): string | undefined {
  const [first, second] = paragraphs;
  const isGreeting = first !== undefined && second !== undefined && [...first].length <= 40 && /[,:!،؛]$/.test(first);
  return isGreeting ? second : first;
}

/**
 * An announcement email: the adopter's plain-text wording (`{name}`, `{brand}` filled), in the
 * shared frame (logo, brand footer, unsubscribe link) and with List-Unsubscribe, as every email.
 * Paragraphs are the text's blank-line-separated blocks, their line breaks kept. Reply-To is the
 * support address (set by the mailer).
 */
export function renderAnnouncementEmail(
  job: AnnouncementJob,
  to: { email: string; name?: string },
  unsubscribeUrl: string,
  settings: { brand: Brand; locales: Readonly<Record<string, Messages>> },
): SurveyEmail {
  // The bundle gives the direction and the unsubscribe label; a message locale without a bundle falls back by language, then English.
  const bundleLocale = resolveLocale(job.locale, Object.keys(settings.locales));
  const m = messagesFor(settings.locales, bundleLocale);
  const brand = settings.brand.name;
  const name = displayValue(to.name);
  const subject = fillText(job.subject, name, brand);
  const body = fillText(job.body, name, brand);
  const paragraphs = body
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  const { html, text } = framedEmail(
    respondentFrame(m, { locale: job.locale, title: subject, brand: settings.brand, unsubscribeUrl, preheader: afterGreeting(paragraphs) ?? subject }),
    textRow(m.dir, paragraphs.map((p) => `<p style="margin:0 0 12px;white-space:pre-line;">${escapeHtml(p)}</p>`).join('\n')),
    paragraphs.flatMap((p) => [p, '']),
  );
  return {
    to: to.email,
    subject,
    html,
    text,
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    tags: { program: job.programId, announcement: job.announcementId },
  };
}
