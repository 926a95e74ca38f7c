import type { FollowUpCase } from './domain/follow-up-case.js';
import type { Invitation, SurveyResponse } from './domain/invitation.js';

/** Invitations and their responses, keyed by the hash of the link token. */
export interface InvitationRepository {
  /**
   * Stores the invitation and claims (programId, eventId) in one atomic write.
   * Returns 'duplicate' without writing when that event was already claimed for that program.
   */
  create(invitation: Invitation): Promise<'created' | 'duplicate'>;
  /** Undoes `create` (both items) so that a retry of the same event can send again. */
  release(invitation: Invitation): Promise<void>;
  /** Reads an invitation; never writes. */
  findByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  /**
   * Records the first response in one conditional write (no read before it). The write fails
   * without effect on an unknown, expired or already answered invitation, or on a score outside
   * the invitation's scale; the result says which.
   */
  recordResponse(tokenHash: string, response: SurveyResponse, now: Date): Promise<RecordResult>;
}

export type RecordResult =
  | { status: 'recorded'; invitation: Invitation }
  | { status: 'already-answered'; invitation: Invitation }
  | { status: 'invalid-score'; invitation: Invitation }
  | { status: 'unavailable' };

/** One survey email, ready to send. */
export interface SurveyEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** SES message tags (name → value) for deliverability events and cost reports. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Sends survey emails (SES in AWS and in the sandbox). */
export interface SurveyMailer {
  send(email: SurveyEmail): Promise<{ messageId: string }>;
}

/** Delivers follow-up cases to the declared follow-up queues. */
export interface FollowUpPublisher {
  publish(followUp: FollowUpCase): Promise<void>;
}

/** Keeps input that can never be processed, with the reason, where an operator can inspect it. */
export interface DeadLetterSink {
  reject(body: string, reason: string): Promise<void>;
}
