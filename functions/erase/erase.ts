import { contactKeyOf } from '../domain/policies.js';
import type { ErasureCounts, PersonalDataEraser } from '../ports.js';

export interface EraseDeps {
  readonly eraser: PersonalDataEraser;
  readonly now: () => Date;
  /**
   * Pause before the second pass. The contact index is eventually consistent: an invitation written
   * a moment before the erasure may show up in it only after it.
   */
  readonly settleMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ErasureReport extends ErasureCounts {
  /** The hashed address: what remains, in the suppression record, so the person is never surveyed again. */
  readonly contactKey: string;
  readonly erasedAt: string;
  readonly suppressed: true;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Erases everything Closeloop keeps about the person with this address — invitations, responses'
 * personal fields and comments, cases, rest periods — keeps anonymous scores (and the aggregates,
 * which never held a person), and suppresses the address for good. Two passes; idempotent.
 */
export async function eraseContact(email: string, deps: EraseDeps): Promise<ErasureReport> {
  const contactKey = contactKeyOf(email);
  const erasedAt = deps.now();
  const first = await deps.eraser.erase(contactKey, erasedAt);
  await (deps.sleep ?? pause)(deps.settleMs);
  const second = await deps.eraser.erase(contactKey, erasedAt);
  const sum = (key: keyof ErasureCounts) => first[key] + second[key];
  return {
    contactKey,
    erasedAt: erasedAt.toISOString(),
    suppressed: true,
    invitationsDeleted: sum('invitationsDeleted'),
    responsesAnonymised: sum('responsesAnonymised'),
    casesAnonymised: sum('casesAnonymised'),
    contactRecordsDeleted: sum('contactRecordsDeleted'),
    notificationsDeleted: sum('notificationsDeleted'),
  };
}
