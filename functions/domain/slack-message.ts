/**
 * One Slack incoming-webhook message (Block Kit) per event: what happened, the program, the score
 * and its class, the comment, topics, the due time, the case id and the command that opens it.
 * Escalations and threshold breaches stand out (a red header). Text from respondents is escaped,
 * so a comment cannot ping a channel (`<!channel>`) or smuggle a link.
 */

/** What the message may show beyond the event's detail, read from the case. */
export interface CaseExtras {
  readonly comment?: string | null;
  readonly topics?: readonly string[];
}

export interface SlackMessage {
  /** The notification's fallback text (and what screen readers say first). */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

const escapeText = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const str = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
/** Every value interpolated into a message, escaped: a score, a bound or a program id from the bus cannot become a mention (`<!channel>`) or a link. */
const shown = (value: unknown) => escapeText(str(value) ?? '');
const MAX_COMMENT = 2500;

const TITLES: Record<string, { emoji: string; title: string; loud: boolean }> = {
  FollowUpOpened: { emoji: ':memo:', title: 'Follow-up opened', loud: false },
  FollowUpEscalated: { emoji: ':rotating_light:', title: 'ESCALATED: follow-up deadline missed', loud: true },
  FollowUpResolved: { emoji: ':white_check_mark:', title: 'Follow-up resolved', loud: false },
  FollowUpCustomerReplied: { emoji: ':incoming_envelope:', title: 'Customer replied', loud: false },
  ThresholdBreached: { emoji: ':rotating_light:', title: 'THRESHOLD BREACHED', loud: true },
  ThresholdRecovered: { emoji: ':large_green_circle:', title: 'Threshold recovered', loud: false },
  SurveyResponded: { emoji: ':speech_balloon:', title: 'Survey answered', loud: false },
  SurveySent: { emoji: ':envelope:', title: 'Survey sent', loud: false },
  SurveySkipped: { emoji: ':fast_forward:', title: 'Survey skipped', loud: false },
  RecoverySurveyRequested: { emoji: ':repeat:', title: 'Recovery survey requested', loud: false },
};

export function slackMessage(
  detailType: string,
  detail: Readonly<Record<string, unknown>>,
  options: { readonly includeComment: boolean; readonly extras?: CaseExtras },
): SlackMessage {
  const look = TITLES[detailType] ?? { emoji: ':bell:', title: detailType, loud: false };
  const program = str(detail.programId) ?? 'unknown program';
  const caseId = str(detail.caseId);
  const fields: string[] = [`*Program*\n${escapeText(program)}`];
  if (detail.score !== undefined) {
    const score = detail.classification ? `${shown(detail.score)} (${shown(detail.classification)})` : shown(detail.score);
    fields.push(`*Score*\n${score}`);
  }
  if (detailType.startsWith('Threshold')) {
    fields.push(`*Segment*\n${escapeText(str(detail.segment) ?? 'all')}`);
    fields.push(`*Rolling score*\n${shown(detail.score)} (interval ${shown(detail.lower)}–${shown(detail.upper)}, threshold ${shown(detail.threshold)})`);
    fields.push(`*Responses*\n${shown(detail.responses)} in ${shown(detail.windowDays)} days`);
  }
  if (detail.queue) fields.push(`*Queue*\n${escapeText(String(detail.queue))}`);
  const escalation = detail.escalation as { rung?: number; reason?: string; assignee?: string } | undefined;
  if (escalation) {
    const assignee = escalation.assignee ? `; assigned to ${escapeText(escalation.assignee)}` : '; unassigned';
    fields.push(`*Escalation*\nrung ${shown(escalation.rung)} (${shown(escalation.reason)})${assignee}`);
  }
  if (detail.dueAt) fields.push(`*Due*\n${escapeText(String(detail.dueAt))}`);
  if (detail.rootCause) fields.push(`*Root cause*\n${escapeText(String(detail.rootCause))}`);
  const topics = options.extras?.topics ?? (Array.isArray(detail.topics) ? (detail.topics as string[]) : []);
  if (topics.length) fields.push(`*Topics*\n${escapeText(topics.join(', '))}`);
  if (detail.customerId) fields.push(`*Customer*\n${escapeText(String(detail.customerId))}`);

  const headline = `${look.emoji} ${escapeText(look.title)}: ${escapeText(program)}${detail.score !== undefined ? `, score ${shown(detail.score)}` : ''}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `${look.emoji} ${look.title}`.slice(0, 150), emoji: true } },
    { type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) },
  ];
  const quote = (text: string) =>
    escapeText(text.length > MAX_COMMENT ? `${text.slice(0, MAX_COMMENT)}…` : text)
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
  const comment = options.includeComment ? options.extras?.comment : undefined;
  if (comment) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Comment*\n${quote(comment)}` } });
  // A customer's email reply: only in a delivery with includePersonalData (deliver adds it from the case).
  const reply = detail.reply as { from?: unknown; text?: unknown } | undefined;
  if (reply && typeof reply.text === 'string' && reply.text) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Reply from ${escapeText(String(reply.from ?? 'the customer'))}*\n${quote(reply.text)}` } });
  }
  if (caseId) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Case \`${escapeText(caseId)}\` · open it with \`closeloop case show ${escapeText(caseId)}\`` }],
    });
  }
  if (look.loud) blocks.splice(1, 0, { type: 'divider' });
  return { text: headline, blocks };
}
