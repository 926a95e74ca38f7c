/**
 * What every `closeloop` command prints goes through here (issue 25, item 6): text that came from
 * data (a customer id, a note, an integration's answer) may hold terminal controls — ESC sequences
 * that retitle the window or hide text, a BEL, a bidi override that reverses what is read. Printed
 * as text, every C0 control but the line feed (the CLI's own line breaks), DEL, every C1 control and
 * every bidi control is shown as a visible `\u{…}` escape; printed as JSON (`--json`), the same
 * characters are `\uXXXX` escapes, so the output stays valid JSON that means the same.
 */

import { format } from 'node:util';

// Every control character but LF (C0, DEL, C1: \p{Cc}) and the bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9).
const TERMINAL_UNSAFE = /(?!\n)\p{Cc}|\p{Bidi_Control}/gu;

/** `text` with every character a terminal would act on (not show) replaced by a visible `\u{…}` escape. */
export function visible(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase()}}`);
}

/** `value` as indented JSON, with the characters above as `\uXXXX` escapes (JSON.stringify leaves DEL, C1 and bidi controls raw). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(TERMINAL_UNSAFE, (c) => `\\u${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Prints to standard output as console.log would (values formatted by util.format), as visible text. */
export function print(...values: unknown[]): void {
  console.log(visible(format(...values)));
}

/** Prints a value to standard output as JSON. */
export function printJson(value: unknown): void {
  console.log(safeJson(value));
}

/** Prints to standard error as console.error would, as visible text. */
export function printError(...values: unknown[]): void {
  console.error(visible(format(...values)));
}
