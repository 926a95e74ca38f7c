import { createHash } from 'node:crypto';
import { resolveLocale } from './messages.js';
import type { Catalog, SurveyProgram } from './program.js';
import { surveyKind } from './survey-kinds.js';
import { topicsOf } from './topics.js';

/**
 * "You said, we did" (docs/announcements.md): one email to every respondent of a program since a
 * date whose answer carried a topic, or whose case was resolved with a root cause. Each recipient
 * gets it once per announcement id, in their language where the message file has it (else the
 * program's default locale). eNPS programs never announce: their answers are anonymous.
 */

/** One language's wording: plain text, `{name}` and `{brand}` filled. */
export interface AnnouncementText {
  readonly subject: string;
  readonly body: string;
}

/** The message file: locale tag → wording. It holds the program's default locale. */
export type AnnouncementMessages = Readonly<Record<string, AnnouncementText>>;

export type AnnouncementFilter = { readonly topic: string } | { readonly rootCause: string };

export interface AnnouncementRequest {
  readonly programId: string;
  readonly filter: AnnouncementFilter;
  /** ISO 8601: answers given at or after it. */
  readonly since: string;
  readonly messages: AnnouncementMessages;
  /** Idempotency key: one email per recipient per id. */
  readonly announcementId: string;
}

/** A message file or request that cannot be announced; the message names the field. */
export class InvalidAnnouncementError extends Error {
  override readonly name: string = 'InvalidAnnouncementError';
}

/** An eNPS program: its respondents are anonymous and are never written to. */
export class AnnouncementRefusedError extends InvalidAnnouncementError {
  override readonly name = 'AnnouncementRefusedError';
}

export class UnknownAnnouncementProgramError extends InvalidAnnouncementError {
  override readonly name = 'UnknownAnnouncementProgramError';
}

/** Lower-case BCP 47 as the catalog writes tags ("en", "pt-br"). */
const LOCALE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;
/** An announcement id (given or derived): safe in a table key and an SES tag. */
export const ANNOUNCEMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SUBJECT = 200;
const MAX_BODY = 20_000;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The message file's content (parsed YAML or JSON), checked strictly: a mapping of locale tags to
 * `{ subject, body }`, nothing else. Every problem is named by its path; all are reported at once.
 */
export function parseAnnouncementMessages(raw: unknown, where = 'message file'): AnnouncementMessages {
  if (!isRecord(raw) || !Object.keys(raw).length) {
    throw new InvalidAnnouncementError(`${where}: must be a mapping from locale tag (e.g. en, de) to { subject, body }`);
  }
  const problems: string[] = [];
  const messages: Record<string, AnnouncementText> = {};
  for (const [locale, value] of Object.entries(raw)) {
    if (!LOCALE_TAG.test(locale)) problems.push(`${locale}: not a locale tag (lower-case BCP 47, e.g. en, pt-br)`);
    if (!isRecord(value)) {
      problems.push(`${locale}: must be a mapping with subject and body`);
      continue;
    }
    for (const key of Object.keys(value)) if (key !== 'subject' && key !== 'body') problems.push(`${locale}.${key}: unknown key (subject, body)`);
    const { subject, body } = value;
    if (typeof subject !== 'string' || !subject.trim()) problems.push(`${locale}.subject: must be a non-empty string`);
    else if (/[\r\n]/.test(subject)) problems.push(`${locale}.subject: must be one line`);
    else if (subject.length > MAX_SUBJECT) problems.push(`${locale}.subject: longer than ${MAX_SUBJECT} characters`);
    if (typeof body !== 'string' || !body.trim()) problems.push(`${locale}.body: must be a non-empty string`);
    else if (body.length > MAX_BODY) problems.push(`${locale}.body: longer than ${MAX_BODY} characters`);
    if (typeof subject === 'string' && typeof body === 'string') messages[locale] = { subject: subject.trim(), body: body.replace(/\s+$/, '') };
  }
  if (problems.length) throw new InvalidAnnouncementError(`${where}: ${problems.join('; ')}`);
  return messages;
}

/** The program an announcement is for, refused when unknown or eNPS. */
export function announcingProgram(catalog: Catalog, programId: string): SurveyProgram {
  const program = catalog.programs.find((p) => p.id === programId);
  if (!program) throw new UnknownAnnouncementProgramError(`programId: no program "${programId}" in the catalog`);
  if (surveyKind(program.kind).anonymous) {
    throw new AnnouncementRefusedError(`programId: "${programId}" is an eNPS program; its respondents are anonymous and are never announced to`);
  }
  return program;
}

/**
 * Checks a whole request against the catalog: the program (not eNPS), the topic or root cause it
 * knows, the date, and that the messages hold the program's default locale.
 */
export function checkAnnouncement(catalog: Catalog, request: AnnouncementRequest): SurveyProgram {
  const program = announcingProgram(catalog, request.programId);
  if ('topic' in request.filter) {
    const known = Object.keys(catalog.topics);
    if (!known.includes(request.filter.topic)) {
      throw new InvalidAnnouncementError(`topic: "${request.filter.topic}" is not a topic of the catalog (${known.join(', ') || 'none declared'})`);
    }
  } else if (!catalog.rootCauses.includes(request.filter.rootCause)) {
    throw new InvalidAnnouncementError(
      `rootCause: "${request.filter.rootCause}" is not a root cause of the catalog (${catalog.rootCauses.join(', ') || 'none declared'})`,
    );
  }
  if (Number.isNaN(Date.parse(request.since))) throw new InvalidAnnouncementError(`since: "${request.since}" is not an ISO 8601 time`);
  if (!ANNOUNCEMENT_ID.test(request.announcementId)) {
    throw new InvalidAnnouncementError(`announcementId: "${request.announcementId}" must be 1–64 letters, digits, '-' or '_'`);
  }
  if (!request.messages[program.defaultLocale]) {
    throw new InvalidAnnouncementError(
      `message file: no wording for "${program.defaultLocale}", the default locale of program "${program.id}" (has: ${Object.keys(request.messages).join(', ')})`,
    );
  }
  return program;
}

/** The default announcement id: the same program, filter, date and message file give the same id (so a rerun sends nothing new). */
export function announcementIdFor(programId: string, filter: AnnouncementFilter, since: string, messageFile: string): string {
  const filterText = 'topic' in filter ? `topic=${filter.topic}` : `rootCause=${filter.rootCause}`;
  return createHash('sha256')
    .update([programId, filterText, new Date(since).toISOString(), messageFile].join('\u0000'))
    .digest('base64url')
    .slice(0, 22);
}

/** What the selection sees of an answered invitation. */
export interface AnsweredInvitation {
  readonly tokenHash: string;
  readonly programId: string;
  readonly contactKey: string;
  readonly locale: string;
  readonly respondedAt: string;
  readonly comment?: string;
  /** Absent once forgotten (an eNPS answer) or erased: nobody to write to. */
  readonly email?: string;
}

/** One person to announce to, in the language their email will be written in. */
export interface Recipient {
  readonly contactKey: string;
  /** Their latest matching answer's invitation (name and address are read from it at send time). */
  readonly tokenHash: string;
  /** The message file's locale for them. */
  readonly locale: string;
}

/**
 * Who gets the announcement: answers of the program since the date that match the filter (the
 * comment's topics by the catalog's taxonomy; or a case of the answer with the root cause), one
 * recipient per person (their latest matching answer), with an address.
 */
export function selectRecipients(
  answers: readonly AnsweredInvitation[],
  request: Pick<AnnouncementRequest, 'programId' | 'filter' | 'since' | 'messages'>,
  program: Pick<SurveyProgram, 'defaultLocale'>,
  catalog: Pick<Catalog, 'topics'>,
  rootCauseOf: (tokenHash: string) => readonly string[] = () => [],
): Recipient[] {
  const since = Date.parse(request.since);
  const latest = new Map<string, AnsweredInvitation>();
  for (const answer of answers) {
    if (answer.programId !== request.programId || !answer.email || Date.parse(answer.respondedAt) < since) continue;
    const matches =
      'topic' in request.filter
        ? topicsOf(answer.comment, catalog.topics).includes(request.filter.topic)
        : rootCauseOf(answer.tokenHash).includes(request.filter.rootCause);
    if (!matches) continue;
    const seen = latest.get(answer.contactKey);
    if (!seen || seen.respondedAt < answer.respondedAt) latest.set(answer.contactKey, answer);
  }
  const available = Object.keys(request.messages);
  return [...latest.values()].map((answer) => ({
    contactKey: answer.contactKey,
    tokenHash: answer.tokenHash,
    locale: resolveLocale(answer.locale, available, program.defaultLocale),
  }));
}

/** Recipients per message locale, for the dry run and the answer. */
export function countByLocale(recipients: readonly Pick<Recipient, 'locale'>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { locale } of recipients) counts[locale] = (counts[locale] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
