import { escapeHtml } from '../domain/html.js';
import type { Notification } from '../domain/notification.js';
import { OWN_MESSAGE_HEADER } from '../domain/reply-token.js';
import type { SurveyEmail } from '../ports.js';

/**
 * The email that tells a case's assignee that the customer wrote back (outbox kind `assignee`): who,
 * their words (plain text, escaped in the HTML), and where to open the case (the workspace's case page
 * when the stack has one, else the `closeloop` command). Internal: in English, no brand frame; it
 * carries Closeloop's own header, so that it never comes back in as a reply, and the unsubscribe link
 * every Closeloop email has (an assignee who uses it gets no more of these).
 */
export function renderAssigneeEmail(notification: Notification, unsubscribeUrl: string, options: { readonly workspaceUrl?: string }): SurveyEmail {
  const { caseId, programId } = notification;
  const from = notification.customerFrom ?? 'The customer';
  const words = notification.reply ?? '';
  const subject = `Customer replied on case ${caseId.slice(0, 8)} (${programId})`;
  const open = options.workspaceUrl ? `${options.workspaceUrl.replace(/\/+$/, '')}/${encodeURIComponent(caseId)}` : `closeloop case show ${caseId}`;
  const text = [`${from} wrote back on ${notification.createdAt}:`, '', words, '', `Open the case: ${open}`, '', `Unsubscribe: ${unsubscribeUrl}`].join('\n');
  const html = [
    '<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;line-height:1.5">',
    `<p>${escapeHtml(from)} wrote back on ${escapeHtml(notification.createdAt)}:</p>`,
    `<p style="white-space:pre-line;border-inline-start:3px solid #888;padding:4px 12px">${escapeHtml(words)}</p>`,
    options.workspaceUrl ? `<p><a href="${escapeHtml(open)}">Open the case</a></p>` : `<p>Open the case: <code>${escapeHtml(open)}</code></p>`,
    `<p style="font-size:small"><a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`,
    '</body></html>',
  ].join('');
  return {
    to: notification.to.email,
    subject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      [OWN_MESSAGE_HEADER]: 'assignee',
    },
    tags: { program: programId, notification: 'assignee', case: caseId },
  };
}
