import type { SurveyKind } from './survey-kinds.js';

/**
 * A language tag as the catalog declares it ("en", "de", "pt-br"): lower-case BCP 47. The bundles
 * themselves are data: the built-in ones in the package's locales/ folder, adopters' in their catalog.
 */
export type Locale = string;

/** The language every catalog has (built in): the fallback of last resort. */
export const FALLBACK_LOCALE = 'en';

/** Every string of the survey email and the pages in one language (a locale bundle). */
export interface Messages {
  readonly dir: 'ltr' | 'rtl';
  readonly subject: string;
  readonly greeting: string;
  readonly greetingAnonymous: string;
  readonly intro: string;
  readonly question: Record<SurveyKind, string>;
  readonly low: Record<SurveyKind, string>;
  readonly high: Record<SurveyKind, string>;
  readonly yourScore: string;
  readonly reason: string;
  readonly submit: string;
  readonly thanksTitle: string;
  readonly thanksBody: string;
  readonly invalidLink: string;
  readonly invalidScore: string;
  readonly confirmTitle: string;
  readonly unsubscribe: string;
  readonly unsubscribeTitle: string;
  readonly unsubscribeConfirm: string;
  /** Heading of the unsubscribe page when the first press carried no evidence of a person (domain/evidence.ts). */
  readonly unsubscribeConfirmTitle: string;
  readonly unsubscribed: string;
  /** The emails to a respondent about their case (acknowledgement, resolution): docs/notifications.md. */
  readonly notification: NotificationMessages;
  /** The one reminder of an unanswered survey (domain/reminder.ts). */
  readonly reminder: ReminderMessages;
}

/**
 * The strings that make a survey email its reminder. Bundles made before they existed lack them:
 * the catalog fills each missing one from English and warns, naming it (config/catalog-schema.ts).
 */
export interface ReminderMessages {
  /** Replaces the survey's subject; {brand}. */
  readonly subject: string;
  /** A first line above the survey's intro: "A reminder: …". */
  readonly intro: string;
}

export const REMINDER_KEYS = ['subject', 'intro'] as const satisfies readonly (keyof ReminderMessages)[];

/**
 * The strings of the respondent notifications. Bundles made before they existed lack them: the
 * catalog fills each missing one from English and warns, naming it (config/catalog-schema.ts).
 */
export interface NotificationMessages {
  /** {brand}. */
  readonly acknowledgementSubject: string;
  readonly acknowledgementBody: string;
  /** {team} (the rule's `contactedBy`, else `acknowledgementTeam`) and {deadline} (the acknowledge deadline, in the respondent's time zone). */
  readonly acknowledgementContact: string;
  readonly acknowledgementTeam: string;
  /** {brand}. */
  readonly resolutionSubject: string;
  /** The line above the team's public reply. */
  readonly resolutionIntro: string;
  /** Subject of a reply the team writes from the workspace; {brand}. */
  readonly replySubject: string;
  /** The line above such a reply. */
  readonly replyIntro: string;
  /** Replies go to the support address (Reply-To), or into the case when the stack receives replies (`inbound`). */
  readonly replyHint: string;
  /** With `inbound` only (replies go into the case): the support address, for anything else; {email}. */
  readonly supportContact: string;
}

/** Every notification string, in bundle order. */
export const NOTIFICATION_KEYS = [
  'acknowledgementSubject',
  'acknowledgementBody',
  'acknowledgementContact',
  'acknowledgementTeam',
  'resolutionSubject',
  'resolutionIntro',
  'replySubject',
  'replyIntro',
  'replyHint',
  'supportContact',
] as const satisfies readonly (keyof NotificationMessages)[];

/**
 * The bundle for a requested language tag: exact ("hr"), then its language ("hr-HR" → "hr"), then
 * the program's default, then English. `available` are the catalog's bundles.
 */
export function resolveLocale(requested: string | undefined, available: readonly string[], fallback: Locale = FALLBACK_LOCALE): Locale {
  if (!requested) return fallback;
  const lower = requested.toLowerCase().replace(/_/g, '-');
  if (available.includes(lower)) return lower;
  const language = lower.split('-')[0] ?? '';
  return available.includes(language) ? language : fallback;
}

/** The catalog's bundle for a locale it resolved (English if, impossibly, it has none). */
export function messagesFor(locales: Readonly<Record<Locale, Messages>>, locale: Locale): Messages {
  return (locales[locale] ?? locales[FALLBACK_LOCALE]) as Messages;
}

const PLACEHOLDER = /\{([\w.]+)\}/g;

/** Fills `{placeholders}`; an unknown placeholder is left as it is, so a missing value is visible. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => values[key] ?? whole);
}

/** Fills a template only when every placeholder has a value; otherwise undefined (use a fallback). */
export function fillStrict(template: string, values: Record<string, string>): string | undefined {
  const missing = [...template.matchAll(PLACEHOLDER)].some((m) => values[m[1] as string] === undefined);
  return missing ? undefined : fill(template, values);
}
