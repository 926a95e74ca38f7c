/** Keys whose values are personal data wherever they appear in a log record. */
const PERSONAL_KEYS = new Set(['email', 'name', 'comment', 'secondanswer', 'useragent', 'customer']);
// A match may only start where a run of address characters starts (the lookbehind): otherwise a long
// run without "@" is re-scanned from each of its characters, quadratic in the length of the text.
const EMAIL = /(?<![^\s@<>"'(),;:])[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;
export const REDACTED = '[redacted]';

/**
 * A copy of `value` fit for logs: personal fields (email, name, comment, answers, user agent, the
 * whole customer) replaced, and any email address inside any other string (an error message from
 * SES, say) masked. Cycles and depth are bounded.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, REDACTED);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    // Its fields are not enumerable: keep them explicitly, masked.
    return { name: value.name, message: redact(value.message), stack: redact(value.stack), ...(value.cause ? { cause: redact(value.cause, depth + 1) } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      PERSONAL_KEYS.has(key.toLowerCase()) && item !== undefined && item !== null ? REDACTED : redact(item, depth + 1),
    ]),
  );
}
