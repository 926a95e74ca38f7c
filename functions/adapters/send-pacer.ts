/**
 * Spaces sends evenly at no more than `perSecond` (a leaky bucket: in the order they ask, no burst),
 * so that a function instance stays within its share of the SES account's maximum send rate instead
 * of finding the limit by throttling errors and back-off. `perSecond` 0 (or absent): no pacing.
 */
export class SendPacer {
  private next = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Resolves when this send may start. */
  async take(): Promise<void> {
    if (!(this.perSecond > 0)) return;
    const now = this.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await this.sleep(at - now);
  }
}
