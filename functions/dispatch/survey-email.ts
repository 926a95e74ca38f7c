import { framedEmail, MUTED, respondentFrame, scoreColours, textRow } from '../domain/email-frame.js';
import { escapeHtml } from '../domain/html.js';
import type { Invitation } from '../domain/invitation.js';
import { publicBase, unsubscribePageUrl } from '../domain/links.js';
import { fill, type Messages, messagesFor } from '../domain/messages.js';
import type { Brand, SurveyProgram } from '../domain/program.js';
import { scoresOf } from '../domain/survey-kinds.js';
import { unsubscribeTokenFor } from '../domain/tokens.js';
import { introFor, questionFor, templateValues } from '../domain/wording.js';
import type { SurveyEmail } from '../ports.js';

export { DEFAULT_ACCENT } from '../domain/email-frame.js';

export interface EmailSettings {
  readonly brand: Brand;
  /** The catalog's locale bundles. */
  readonly locales: Readonly<Record<string, Messages>>;
  /** Public base URL of the rating pages, without a trailing slash. */
  readonly publicBaseUrl: string;
}

const base = publicBase;

/** The rating link for one score. The token is the only secret; the score is only preselected. */
export function ratingLink(publicBaseUrl: string, token: string, score: number): string {
  return `${base(publicBaseUrl)}/r/${encodeURIComponent(token)}?s=${score}`;
}

/**
 * The unsubscribe page and RFC 8058 one-click endpoint of an invitation, from its rating token. It
 * carries the unsubscribe token (tokens.ts), never the rating token: mail providers receive this URL
 * in the List-Unsubscribe header, and it must not let them answer the survey.
 */
export function unsubscribeLink(publicBaseUrl: string, ratingToken: string): string {
  return unsubscribePageUrl(publicBaseUrl, unsubscribeTokenFor(ratingToken));
}

/**
 * The survey email: HTML (table layout and inline styles, which Gmail, Outlook and Apple Mail all
 * render) plus a plain-text alternative, one link per score, low to high, left to right in every
 * script — the scale keeps `dir="ltr"` inside right-to-left text. List-Unsubscribe headers (RFC
 * 8058) let mail clients offer one-click unsubscribe. As the `reminder`, the same email (same links) gets
 * the bundle's reminder subject and a reminder line above its intro.
 */
/** A survey goes to the address the event gave; an invitation that forgot it (answered eNPS, erased) is never sent again. */
function addressOf(invitation: Invitation): string {
  if (invitation.customer.email === undefined) throw new Error(`invitation of event ${invitation.eventId} holds no address to send to`);
  return invitation.customer.email;
}

export function renderSurveyEmail(
  invitation: Invitation,
  program: SurveyProgram,
  token: string,
  settings: EmailSettings,
  options: { readonly reminder?: boolean } = {},
): SurveyEmail {
  const m = messagesFor(settings.locales, invitation.locale);
  const brand = settings.brand.name;
  const colours = scoreColours(settings.brand.accentColor);
  const subjectTemplate = options.reminder ? m.reminder.subject : m.subject;
  const values = templateValues(invitation, brand, [m.greeting, subjectTemplate]);
  const subject = fill(subjectTemplate, values);
  const reminderLine = options.reminder ? fill(m.reminder.intro, values) : undefined;
  const greeting = values.name ? fill(m.greeting, values) : m.greetingAnonymous;
  const opening = introFor(program, invitation, brand);
  const question = questionFor(program, invitation, brand, m);
  const scores = scoresOf(invitation.kind);
  const links = scores.map((score) => ({ score, href: ratingLink(settings.publicBaseUrl, token, score) }));
  const unsubscribe = unsubscribeLink(settings.publicBaseUrl, token);
  const cellWidth = Math.floor(100 / scores.length);
  const para = (text: string, style = '') => `<p style="margin:0 0 12px;${style}">${escapeHtml(text)}</p>`;

  // One row of cells down to a 320 px screen: 8 px outside the card and 4 px inside leave 296 px,
  // 26 px a cell for eleven, each link at least 24 px wide and 40 px high (WCAG 2.2 target size).
  const cells = links
    .map(
      ({ score, href }) =>
        `<td align="center" width="${cellWidth}%" style="padding:1px;"><a href="${escapeHtml(href)}" class="cl-score" ` +
        `style="display:block;padding:10px 0;border:1px solid ${colours.accent};border-radius:6px;` +
        `background:#ffffff;color:${colours.light};font:bold 16px/18px Arial,Helvetica,sans-serif;text-decoration:none;" ` +
        `aria-label="${score}">${score}</a></td>`,
    )
    .join('');
  const label = (align: 'left' | 'right', text: string) =>
    `<td align="${align}" class="${MUTED.className}" style="padding:6px 2px;font:13px Arial,Helvetica,sans-serif;color:${MUTED.color};">${escapeHtml(text)}</td>`;

  const { html, text } = framedEmail(
    respondentFrame(m, {
      locale: invitation.locale,
      title: subject,
      brand: settings.brand,
      unsubscribeUrl: unsubscribe,
      preheader: reminderLine ?? opening ?? m.intro,
    }),
    `${textRow(
      m.dir,
      [...[greeting, reminderLine, opening, m.intro].filter((line) => line !== undefined).map((line) => para(line)), para(question, 'font-weight:bold;')].join(
        '\n',
      ),
    )}
<tr><td style="padding:0 4px;">
<table role="presentation" dir="ltr" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${cells}</tr></table>
<table role="presentation" dir="ltr" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
${label('left', m.low[invitation.kind])}
${label('right', m.high[invitation.kind])}
</tr></table>
</td></tr>`,
    [
      greeting,
      '',
      ...(reminderLine ? [reminderLine, ''] : []),
      ...(opening ? [opening, ''] : []),
      m.intro,
      '',
      question,
      `(${scores[0]} = ${m.low[invitation.kind]}, ${scores[scores.length - 1]} = ${m.high[invitation.kind]})`,
      '',
      ...links.map(({ score, href }) => `${score}: ${href}`),
      '',
    ],
  );

  return {
    to: addressOf(invitation),
    subject,
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: { program: invitation.programId, kind: invitation.kind, survey: invitation.tokenHash, ...(options.reminder ? { reminder: 'true' } : {}) },
  };
}
