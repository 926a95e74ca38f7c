import type { Invitation } from './invitation.js';

/** The `source` of every event Closeloop puts on the bus. */
export const INTEGRATION_SOURCE = 'closeloop';

/** An event for other systems (CRMs, chat tools, helpdesks) to subscribe to with ordinary rules. */
export interface IntegrationEvent {
  readonly detailType: 'SurveySent' | 'SurveySkipped';
  /** Carries ids, never email addresses or comments. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export function surveySent(invitation: Invitation): IntegrationEvent {
  return {
    detailType: 'SurveySent',
    detail: {
      version: 1,
      programId: invitation.programId,
      eventId: invitation.eventId,
      surveyId: invitation.tokenHash,
      kind: invitation.kind,
      customerId: invitation.customer.id,
      locale: invitation.locale,
      sentAt: invitation.createdAt,
    },
  };
}

export function surveySkipped(skip: { programId: string; eventId: string; customerId: string; reason: string; at: string }): IntegrationEvent {
  return {
    detailType: 'SurveySkipped',
    detail: { version: 1, programId: skip.programId, eventId: skip.eventId, customerId: skip.customerId, reason: skip.reason, at: skip.at },
  };
}
