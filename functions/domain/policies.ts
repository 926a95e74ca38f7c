import { createHash } from 'node:crypto';

/**
 * Dispatch policies as pure functions: who a contact is, sampling, delays and quiet hours.
 * No AWS, no clock: callers pass `now`.
 */

/** A contact is an email address: trimmed and lower-cased, then hashed, so keys hold no personal data. */
export function contactKeyOf(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
}

/**
 * Deterministic sampling: the same contact is always in or always out of a program's sample, so a
 * re-delivered event cannot change the answer, and different programs sample independently.
 */
export function isSampledIn(programId: string, contactKey: string, sampleRate: number): boolean {
  if (sampleRate >= 1) return true;
  if (sampleRate <= 0) return false;
  const bucket = createHash('sha256').update(`${programId}\u0000${contactKey}`).digest().readUInt32BE(0);
  return bucket / 0x1_0000_0000 < sampleRate;
}

const DURATION = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** ISO 8601 durations with weeks, days, hours, minutes and seconds ("P2D", "PT36H", "P1DT12H"). Months and years are refused: their length varies. */
export function parseIsoDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const [w, d, h, m, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  return (((w * 7 + d) * 24 + h) * 60 + m) * 60 + s;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight in `timeZone` at `at`. */
function localMinutes(at: Date, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export interface QuietHours {
  /** "21:00": no survey from this local time… */
  readonly start: string;
  /** …until this local time ("08:00"). The window may wrap midnight. */
  readonly end: string;
}

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

function isQuiet(minutes: number, quiet: QuietHours): boolean {
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/**
 * The first moment at or after `at` outside the recipient's quiet hours. Without a time zone the
 * recipient's night is unknown, and `at` is returned unchanged.
 */
export function nextSendTime(at: Date, timeZone: string | undefined, quiet: QuietHours): Date {
  if (!timeZone) return at;
  const minutes = localMinutes(at, timeZone);
  if (!isQuiet(minutes, quiet)) return at;
  const startOfMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  const end = toMinutes(quiet.end);
  let candidate = new Date(startOfMinute + ((end - minutes + 1440) % 1440) * 60_000);
  // A DST change inside the window shifts local time by up to an hour or so either way:
  // step back when we overshot the end of the window, forward while still inside it.
  const overshoot = (localMinutes(candidate, timeZone) - end + 1440) % 1440;
  if (overshoot > 0 && overshoot <= 180) candidate = new Date(candidate.getTime() - overshoot * 60_000);
  for (let step = 0; step < 180 && isQuiet(localMinutes(candidate, timeZone), quiet); step++) {
    candidate = new Date(candidate.getTime() + 60_000);
  }
  return candidate;
}
