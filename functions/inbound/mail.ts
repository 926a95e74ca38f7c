import EmailReplyParser from 'email-reply-parser';
import PostalMime from 'postal-mime';
import { OWN_MESSAGE_HEADER } from '../domain/reply-token.js';
import { cleanMultilineText } from '../domain/text.js';
import { HTML4_ENTITIES } from './html-entities.js';

/** Only this much of a message is read (S3 range): the reply's text comes first; attachments, which are dropped, after. */
export const MAX_MAIL_BYTES = 1024 * 1024;
/** The longest customer reply the case keeps (characters, after cleaning); the rest is cut and said so. */
export const MAX_REPLY_TEXT = 5000;
/**
 * How much of a message's text the reply parser reads (characters): its patterns are linear on
 * ordinary mail but some backtrack on hostile text (about 0.2 s at this size, seconds at 256 KiB);
 * the new text comes first and is kept to MAX_REPLY_TEXT anyway.
 */
export const MAX_PARSED_TEXT = 64 * 1024;

/** Why a message is not a customer's reply: counted, never stored. */
export type IgnoredReason = 'auto-reply' | 'bounce' | 'own-message' | 'virus' | 'no-text' | 'unreadable';

export type IncomingMail =
  | {
      readonly kind: 'reply';
      /** The sender (the From header's address, else the envelope's). */
      readonly from: string;
      /** The Message-ID (angle brackets removed), else SES's message id: what makes a second delivery a duplicate. */
      readonly messageId: string;
      /** What the customer wrote, without the quoted history and signature, cleaned as every customer text. */
      readonly text: string;
      /** What was left out, for the history ("2 attachments dropped", "only the first 1 MB read", "cut at 5,000 characters"). */
      readonly dropped: readonly string[];
    }
  | { readonly kind: 'ignored'; readonly reason: IgnoredReason };

/** What SES's receipt says of a message (its Lambda action's `mail` and `receipt`), as far as the reader needs it. */
export interface Envelope {
  /** The envelope sender (MAIL FROM); empty for a bounce (the null sender). */
  readonly source: string;
  readonly messageId: string;
  /** SES's virus scan: FAIL drops the message. */
  readonly virusVerdict?: string;
  /** The raw object was longer than what was read. */
  readonly truncated: boolean;
}

export interface MailSettings {
  /** Closeloop's own From address: a message from it is one of ours coming back. */
  readonly senderEmail: string;
}

const header = (headers: readonly { key: string; value: string }[], name: string): string | undefined =>
  headers.find((h) => h.key === name.toLowerCase())?.value;

/**
 * RFC 3834 and the de-facto headers of auto-responders: `Auto-Submitted` other than `no`, `X-Autoreply`
 * (and `X-Autorespond`), `Precedence: bulk | auto_reply | junk | list`.
 */
export function isAutomatic(headers: readonly { key: string; value: string }[]): boolean {
  const submitted = header(headers, 'auto-submitted')?.split(';')[0]?.trim().toLowerCase();
  if (submitted && submitted !== 'no') return true;
  if (header(headers, 'x-autoreply') !== undefined || header(headers, 'x-autorespond') !== undefined) return true;
  const precedence = header(headers, 'precedence')?.trim().toLowerCase();
  return precedence === 'bulk' || precedence === 'auto_reply' || precedence === 'junk' || precedence === 'list';
}

/** A delivery status notification: the null sender, a mailer daemon, or a `multipart/report` of delivery status. */
export function isBounce(headers: readonly { key: string; value: string }[], envelope: Pick<Envelope, 'source'>, from: string): boolean {
  const source = envelope.source.trim().replace(/^<|>$/g, '');
  if (source === '' || /^(mailer-daemon|postmaster)@/i.test(source)) return true;
  if (/^(mailer-daemon|postmaster)@/i.test(from)) return true;
  const type = header(headers, 'content-type')?.toLowerCase() ?? '';
  return type.startsWith('multipart/report') && /report-type\s*=\s*"?(delivery-status|disposition-notification)/.test(type);
}

/** Elements whose content is no text of the message. */
const SKIPPED = new Set(['script', 'style', 'head', 'title', 'template']);
/** Elements whose end is a line break. */
const BLOCKS = new Set(['p', 'div', 'li', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'ul', 'ol']);

/**
 * An HTML-only message's text (postal-mime gives its HTML as it is), in one linear pass (no
 * backtracking on hostile markup): scripts, styles and the head left out, block ends and `<br>` as line
 * breaks, quoted blocks as "> " lines (so the reply parser drops them like a plain quote), every other
 * tag removed, entities decoded. The result is cleaned like every customer text afterwards; nothing of
 * it is ever rendered as HTML.
 */
export function htmlText(html: string): string {
  const lines: string[] = [];
  let line = '';
  let quoted = false;
  let depth = 0;
  let skipping: string | undefined;
  const breakLine = () => {
    lines.push(quoted && line ? `> ${line}` : line);
    line = '';
  };
  const emit = (text: string) => {
    text.split(/\r?\n/).forEach((part, k) => {
      if (k) breakLine();
      if (!part) return;
      if (!line) quoted = depth > 0;
      line += part;
    });
  };
  for (let i = 0; i < html.length; ) {
    const open = html.indexOf('<', i);
    if (open < 0) {
      if (!skipping) emit(html.slice(i));
      break;
    }
    if (!skipping) emit(html.slice(i, open));
    const close = html.indexOf('>', open);
    // An unterminated tag: the rest is markup, not text.
    if (close < 0) break;
    i = close + 1;
    const tag = /^(\/?)([a-zA-Z][a-zA-Z0-9]*)/.exec(html.slice(open + 1, Math.min(close, open + 20)));
    if (!tag) continue;
    const closing = tag[1] === '/';
    const name = (tag[2] as string).toLowerCase();
    if (skipping) {
      if (closing && name === skipping) skipping = undefined;
      continue;
    }
    if (!closing && SKIPPED.has(name)) skipping = name;
    else if (name === 'blockquote') {
      breakLine();
      depth = Math.max(0, depth + (closing ? -1 : 1));
    } else if (name === 'br' || (closing && BLOCKS.has(name))) breakLine();
  }
  breakLine();
  return lines.join('\n').replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,7});/gi, (entity: string, name: string) => {
    if (name[0] !== '#') return HTML4_ENTITIES[name] ?? HTML4_ENTITIES[name.toLowerCase()] ?? entity;
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

const replyParser = new EmailReplyParser();

/**
 * What a customer wrote back: the reply parser (email-reply-parser) keeps the new text and drops the
 * quoted history ("On … wrote:", "-----Original Message-----", "From: … <…>", "> " lines) and the
 * signature ("-- ", "Sent from my …"); the rest is cleaned as every customer text.
 */
export function visibleReply(text: string): string {
  const normalised = text.slice(0, MAX_PARSED_TEXT).replace(/\r\n?/g, '\n');
  // The parser reads Outlook's "From:" header block as a quote only when it starts a line; it does.
  const visible = replyParser.parseReply(normalised);
  return cleanMultilineText(visible);
}

/**
 * Reads a received message (at most its first MAX_MAIL_BYTES): the loop guards first (a virus, an
 * auto-reply, a bounce, one of Closeloop's own messages: ignored), then the text (HTML converted when
 * there is no plain part), without quotes and signature, bounded. Never throws on hostile input: a
 * message it cannot read is `unreadable`.
 */
export async function readMail(raw: Uint8Array, envelope: Envelope, settings: MailSettings): Promise<IncomingMail> {
  if (envelope.virusVerdict?.toUpperCase() === 'FAIL') return { kind: 'ignored', reason: 'virus' };
  let parsed: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    parsed = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  } catch {
    return { kind: 'ignored', reason: 'unreadable' };
  }
  const headers = parsed.headers ?? [];
  const from = (parsed.from?.address ?? envelope.source).trim();
  if (isAutomatic(headers)) return { kind: 'ignored', reason: 'auto-reply' };
  if (isBounce(headers, envelope, from)) return { kind: 'ignored', reason: 'bounce' };
  if (header(headers, OWN_MESSAGE_HEADER) !== undefined || from.toLowerCase() === settings.senderEmail.toLowerCase()) {
    return { kind: 'ignored', reason: 'own-message' };
  }
  let text = visibleReply(parsed.text ?? (parsed.html ? htmlText(parsed.html) : ''));
  if (!text) return { kind: 'ignored', reason: 'no-text' };
  const dropped: string[] = [];
  const attachments = parsed.attachments?.length ?? 0;
  if (attachments) dropped.push(`${attachments} attachment${attachments === 1 ? '' : 's'} dropped`);
  if (envelope.truncated) dropped.push(`only the first ${MAX_MAIL_BYTES / (1024 * 1024)} MB read`);
  if (text.length > MAX_REPLY_TEXT) {
    text = `${text.slice(0, MAX_REPLY_TEXT - 1)}…`;
    dropped.push(`cut at ${MAX_REPLY_TEXT.toLocaleString('en')} characters`);
  }
  const messageId = (parsed.messageId ?? '').trim().replace(/^<|>$/g, '') || envelope.messageId;
  return { kind: 'reply', from, messageId, text, dropped };
}
