/**
 * Text from producers (names, event context) on its way into an email, a page or a report. Event
 * contract v1 accepts any string there; what it accepts is kept, but cleaned: a name with CR/LF
 * must not become new lines of the brand's email, and bidi controls must not reorder what a
 * reader sees (the "Trojan Source" trick).
 */

/** Longest name or context value shown in an email or on a page, in code points. */
export const MAX_DISPLAY_LENGTH = 100;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Controls that are line breaks or spacing become a space; every other control and every bidi control goes.
const INVISIBLE = /\p{Bidi_Control}|(?![\t\n\v\f\r\u0085])\p{Cc}/gu;
const WHITESPACE_RUN = /[\s\u0085]+/gu;

/**
 * One line of plain text: bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9) and control
 * characters removed, every run of whitespace (CR, LF, tabs, U+2028, …) made one space, trimmed,
 * unpaired surrogates replaced by U+FFFD. Joiners (ZWJ, ZWNJ: Persian, emoji) are kept.
 */
export function cleanText(raw: string): string {
  return raw.replace(LONE_SURROGATE, '\uFFFD').replace(INVISIBLE, '').replace(WHITESPACE_RUN, ' ').trim();
}

// Every control but LF (line breaks are made LF first), DEL, C1 and every bidi control.
const INVISIBLE_IN_LINES = /\p{Bidi_Control}|(?!\n)\p{Cc}/gu;

/**
 * Plain text of several lines (a case note, a public reply, a comment): CRLF, a lone CR, U+2028 and
 * U+2029 become LF; a tab a space; every other C0 control, DEL, C1 and bidi control is removed;
 * each line's end trimmed, and the whole trimmed. Joiners are kept. What the case use cases store
 * and what an email or a helpdesk shows: a reply cannot add header-like lines or reorder its text.
 */
export function cleanMultilineText(raw: string): string {
  return raw
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(INVISIBLE_IN_LINES, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/**
 * What makes a name or a context value look like a link or an address ("evil.example/login",
 * "pay.me", "a@b", "https://…"): a phisher's line in the brand's email. Such a value counts as
 * missing wherever it would be shown. "J. R. Smith" is a name (no letter right after the dot).
 */
const LINK_LIKE = /:\/\/|www\.|@|[\p{L}\p{N}]\.\p{L}{2,}/iu;

/**
 * A producer's value (a name, a context value) as an email or a page shows it: cleaned and cut
 * (displayText), or undefined when nothing is left or it looks like a link or an address: then
 * the greeting is the anonymous one, a program line falls back to the standard wording, and an
 * announcement closes up around `{name}`. The one display cleaner every template and subject uses.
 */
export function displayValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const shown = displayText(raw);
  return shown === '' || LINK_LIKE.test(shown) ? undefined : shown;
}

/** Cleaned and cut to `max` code points, the last one an ellipsis when cut. */
export function displayText(raw: string, max = MAX_DISPLAY_LENGTH): string {
  const points = Array.from(cleanText(raw));
  return points.length <= max
    ? points.join('')
    : `${points
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** Every string inside a value (objects and arrays, to a bounded depth) cleaned; keys and other values unchanged. */
export function cleanStrings<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => cleanStrings(item, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cleanStrings(item, depth + 1)])) as T;
}
