import type { AlertRule } from './aggregates.js';
import type { Digest } from './digest.js';
import type { IntegrationDetailType } from './integration-event-schemas.js';
import type { Integration } from './integrations.js';
import type { Locale, Messages } from './messages.js';
import type { QuietHours } from './policies.js';
import type { ReminderPolicy } from './reminder.js';
import type { Classification, SurveyKind } from './survey-kinds.js';
import type { Taxonomy } from './topics.js';

/** When a follow-up rule fires. Every condition given must hold. */
export interface RuleCondition {
  readonly scoreAtMost?: number;
  readonly scoreAtLeast?: number;
  readonly classification?: readonly Classification[];
  readonly kind?: readonly SurveyKind[];
  readonly segment?: readonly string[];
  readonly tier?: readonly string[];
  readonly locale?: readonly string[];
  /** true: only responses with a comment; false: only without. */
  readonly hasComment?: boolean;
}

/**
 * A follow-up rule: a response that meets `when` opens a case on `queue`. The case must be
 * acknowledged within `acknowledgeWithinHours` and resolved within `dueInHours`; a case that misses
 * either climbs the `escalateTo` ladder, one queue per missed deadline.
 */
export interface FollowUpRule {
  readonly id: string;
  readonly when: RuleCondition;
  readonly queue: string;
  readonly dueInHours: number;
  readonly acknowledgeWithinHours?: number;
  readonly escalateTo?: readonly string[];
  /** After the case is resolved, announce RecoverySurveyRequested: a program on it surveys the customer again. */
  readonly recoverySurvey?: boolean;
  /** Stop here: later rules of the program are not applied to a response this rule matched. */
  readonly final?: boolean;
  /** Emails to the respondent about the case (never on eNPS programs): domain/notification.ts. */
  readonly notifyRespondent?: RespondentNotice;
  /**
   * From a team reply until the customer's email answer (`inbound`), the case waits for the customer:
   * out of the escalation index, its due times moved on by the time waited. @default false
   */
  readonly pauseWhileWaitingForCustomer?: boolean;
}

/** Which emails a rule's cases send their respondent. */
export interface RespondentNotice {
  /** When the case opens: we read it, who will contact them and by when. */
  readonly onOpen?: boolean;
  /** When the case is resolved with a public reply: that reply. */
  readonly onResolve?: boolean;
  /** Who will contact them, per locale ({team} of the acknowledgement); else the bundle's `acknowledgementTeam`. */
  readonly contactedBy?: Partial<Record<Locale, string>>;
}

export interface Trigger {
  readonly source: string;
  readonly detailType: string;
}

/** Which customers a program is for; every listed field must match one of its values. */
export interface Audience {
  readonly segment?: readonly string[];
  readonly tier?: readonly string[];
}

/** A survey program: which event triggers which survey, when, for whom, and who follows up. */
export interface SurveyProgram {
  readonly id: string;
  readonly description?: string;
  /** false: surveys no one and its trigger gets no bus rule; answers to links already sent are still recorded. */
  readonly enabled: boolean;
  /** true: decides (audience, sampling, timing) and records the decision, sends nothing. */
  readonly dryRun: boolean;
  readonly trigger: Trigger;
  readonly audience?: Audience;
  readonly kind: SurveyKind;
  readonly defaultLocale: Locale;
  readonly ownerTeam: string;
  /** Seconds between the event's `occurredAt` and the email (from an ISO 8601 duration). */
  readonly delaySeconds: number;
  /** Never survey the same contact for this program more than once in this many days. */
  readonly throttleDays?: number;
  /**
   * Whether the rest periods across programs apply (default true). A recovery survey after a
   * resolved case sets false: it follows a response by design, and has its own throttleDays.
   */
  readonly restsAcrossPrograms?: boolean;
  /** Share of contacts surveyed, 0 < rate ≤ 1; who is in is decided per contact, the same every time. */
  readonly sampleRate: number;
  /** Wording that replaces the standard question, per locale; `{brand}`, `{name}`, `{context.<key>}` are filled. */
  readonly question?: Partial<Record<Locale, string>>;
  /** A first line of the email, per locale (e.g. "Your order {context.orderId} has arrived."). */
  readonly intro?: Partial<Record<Locale, string>>;
  /** An optional second open question on the rating page, per locale. */
  readonly secondQuestion?: Partial<Record<Locale, string>>;
  /** Rolling-score alert: ThresholdBreached when the score over the window is credibly worse than the level. */
  readonly alert?: AlertRule;
  /** Events that cancel a pending (delayed) survey of this program, matched on a context field. */
  readonly cancel?: { readonly on: readonly Trigger[]; readonly matchOn: string };
  /** One reminder to a person who has not answered; none when absent. */
  readonly reminder?: ReminderPolicy;
  readonly rules: readonly FollowUpRule[];
}

export interface FollowUpQueue {
  readonly description: string;
}

/** A team of the workspace: a group of the identity provider, working these follow-up queues. */
export interface Team {
  readonly queues: readonly string[];
  readonly description?: string;
}

/** Applies across programs: how long a contact rests after a survey and after answering one. */
export interface ThrottlePolicy {
  /** After any survey email, answered or not (ignored or declined). */
  readonly afterSendDays: number;
  /** After a response. */
  readonly afterResponseDays: number;
}

/** Retention of personal data, in days. Aggregates (anonymous counters) are kept without limit. */
export interface RetentionPolicy {
  /** An answered invitation (the response, its comment and the respondent's address) is deleted this long after the answer. */
  readonly responseDays: number;
  /** A follow-up case (the respondent's details, comment and notes) is deleted this long after it was opened. */
  readonly caseDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { responseDays: 365, caseDays: 365 };

/** Who the emails and pages come from. */
export interface Brand {
  /** Shown in emails and pages ("How likely are you to recommend {brand}…"). */
  readonly name: string;
  /** An https:// image at the top of emails (not on the pages: their CSP loads nothing from elsewhere). */
  readonly logoUrl?: string;
  /** "#rrggbb" for links, buttons and the scale. @default #1f4e79 */
  readonly accentColor?: string;
  /** A line at the bottom of emails and pages (e.g. a postal address). */
  readonly footer?: string;
}

/** Everything declared once (closeloop.yaml) and read by the construct, the sandbox and the handlers. */
export interface Catalog {
  readonly brand: Brand;
  /** How long a rating link works and the invitation is kept (DynamoDB TTL). */
  readonly invitationTtlDays: number;
  /** How long after the first answer a respondent may still change it (from the same link). */
  readonly answerWindowHours: number;
  /** How long personal data is kept (DynamoDB TTL; reads also skip expired items, as TTL deletes lazily). */
  readonly retention: RetentionPolicy;
  readonly throttle: ThrottlePolicy;
  /** No survey email in the recipient's local night, when the event carries a time zone. */
  readonly quietHours: QuietHours;
  readonly followUpQueues: Readonly<Record<string, FollowUpQueue>>;
  /** Who works which queues in the workspace (domain/teams.ts); absent: each queue is its own team. */
  readonly teams?: Readonly<Record<string, Team>>;
  /** The workspace's settings in the catalog. */
  readonly workspace?: { readonly adminTeam?: string };
  /** Comment topics, found by keywords per locale and counted for root-cause ranking. */
  readonly topics: Taxonomy;
  /** The root-cause tags a team may give a case when resolving it. */
  readonly rootCauses: readonly string[];
  readonly programs: readonly SurveyProgram[];
  /** Every locale bundle the catalog can use, by tag: the built-in ones and the catalog's own. */
  readonly locales: Readonly<Record<Locale, Messages>>;
  /** Where Closeloop's own events are delivered (signed webhooks, Slack); none when absent. */
  readonly integrations?: readonly Integration[];
  /** Weekly digests to Slack and email (docs/digests.md); none when absent. */
  readonly digests?: readonly Digest[];
  /**
   * Which integration events go on the bus beyond those an integration's `on:` names; absent: every
   * type but SurveySent and SurveySkipped (`DEFAULT_PUBLISHED_EVENTS`).
   */
  readonly events?: { readonly publish: readonly IntegrationDetailType[] };
}

const sameTrigger = (a: Trigger, source: string, detailType: string) => a.source === source && a.detailType === detailType;

/** Enabled programs started by an event of this source and detail-type (before their audience is checked). */
export function programsFor(catalog: Catalog, source: string, detailType: string): SurveyProgram[] {
  return catalog.programs.filter((p) => p.enabled && sameTrigger(p.trigger, source, detailType));
}

/** Enabled programs whose pending surveys an event of this source and detail-type cancels. */
export function programsCancelledBy(catalog: Catalog, source: string, detailType: string): SurveyProgram[] {
  return catalog.programs.filter((p) => p.enabled && p.cancel?.on.some((t) => sameTrigger(t, source, detailType)));
}

export function isInAudience(program: SurveyProgram, customer: { segment?: string; tier?: string }): boolean {
  const { audience } = program;
  if (!audience) return true;
  if (audience.segment && !(customer.segment !== undefined && audience.segment.includes(customer.segment))) return false;
  if (audience.tier && !(customer.tier !== undefined && audience.tier.includes(customer.tier))) return false;
  return true;
}

export function findProgram(catalog: Catalog, programId: string): SurveyProgram | undefined {
  return catalog.programs.find((p) => p.id === programId);
}

/**
 * Distinct (source, detail-type) pairs that start or cancel an enabled program: one bus rule each,
 * so two programs on one trigger get one delivery.
 */
export function triggersOf(catalog: Catalog): Trigger[] {
  const seen = new Map<string, Trigger>();
  for (const program of catalog.programs.filter((p) => p.enabled)) {
    for (const trigger of [program.trigger, ...(program.cancel?.on ?? [])]) {
      seen.set(`${trigger.source}\u0000${trigger.detailType}`, { source: trigger.source, detailType: trigger.detailType });
    }
  }
  return [...seen.values()];
}
