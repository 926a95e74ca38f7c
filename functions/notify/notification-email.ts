import type { EmailSettings } from '../dispatch/survey-email.js';
import { DEFAULT_ACCENT, framedEmail, respondentFrame, textRow } from '../domain/email-frame.js';
import { escapeHtml } from '../domain/html.js';
import { fill, messagesFor } from '../domain/messages.js';
import { formatDeadline, type Notification } from '../domain/notification.js';
import { OWN_MESSAGE_HEADER } from '../domain/reply-token.js';
import { cleanMultilineText, displayValue } from '../domain/text.js';
import type { SurveyEmail } from '../ports.js';

/**
 * The email a notification owes, in the respondent's language, with the survey emails' brand block
 * (logo, name, footer) and their List-Unsubscribe headers. The acknowledgement says we read the
 * answer, who will get in touch and by when (in the respondent's time zone when known); the
 * resolution carries the team's public reply, as plain text. Replies go to the support address
 * (Reply-To, set by the mailer), or, with `replyTo` (the stack receives replies: `inbound`), into the
 * case, the support address then named in the body for anything else. Every notification carries
 * OWN_MESSAGE_HEADER: one that comes back to the inbound domain is known for Closeloop's own.
 */
export function renderNotificationEmail(
  notification: Notification,
  unsubscribeUrl: string,
  settings: EmailSettings,
  inbound?: { readonly replyTo: string; readonly supportEmail: string },
): SurveyEmail {
  const m = messagesFor(settings.locales, notification.locale);
  const n = m.notification;
  const brand = settings.brand.name;
  const accent = settings.brand.accentColor ?? DEFAULT_ACCENT;
  const name = displayValue(notification.to.name);
  const greeting = name ? fill(m.greeting, { name }) : m.greetingAnonymous;
  // The respondent's kinds (an assignee's email is notify/assignee-email.ts's).
  const subject = fill(
    { acknowledgement: n.acknowledgementSubject, resolution: n.resolutionSubject, reply: n.replySubject, assignee: n.replySubject }[notification.kind],
    { brand },
  );
  const paragraphs: { text: string; quote?: boolean }[] =
    notification.kind === 'acknowledgement'
      ? [
          { text: n.acknowledgementBody },
          {
            text: fill(n.acknowledgementContact, {
              team: notification.team ?? n.acknowledgementTeam,
              deadline: formatDeadline(notification.deadline ?? notification.createdAt, notification.locale, notification.to.timeZone),
            }),
          },
          { text: n.replyHint },
        ]
      : [
          { text: notification.kind === 'reply' ? n.replyIntro : n.resolutionIntro },
          { text: cleanMultilineText(notification.reply ?? ''), quote: true },
          { text: n.replyHint },
        ];
  if (inbound) paragraphs.push({ text: fill(n.supportContact, { email: inbound.supportEmail }) });

  // The reply is the team's plain text: escaped, its line breaks kept.
  const para = ({ text, quote }: { text: string; quote?: boolean }) =>
    quote
      ? `<p style="margin:0 0 12px;padding:8px 12px;border-inline-start:3px solid ${accent};white-space:pre-line;">${escapeHtml(text)}</p>`
      : `<p style="margin:0 0 12px;">${escapeHtml(text)}</p>`;
  const { html, text } = framedEmail(
    respondentFrame(m, {
      locale: notification.locale,
      title: subject,
      brand: settings.brand,
      unsubscribeUrl,
      preheader: paragraphs[0]?.text ?? subject,
    }),
    textRow(m.dir, [{ text: greeting }, ...paragraphs].map(para).join('\n')),
    [greeting, '', ...paragraphs.flatMap(({ text }) => [text, ''])],
  );
  return {
    to: notification.to.email,
    subject,
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      [OWN_MESSAGE_HEADER]: notification.kind,
    },
    tags: { program: notification.programId, notification: notification.kind, case: notification.caseId },
    ...(inbound ? { replyTo: inbound.replyTo } : {}),
  };
}
