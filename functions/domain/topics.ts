import type { Locale } from './messages.js';

/** Topic → keywords per locale. A keyword matches as a case-insensitive substring (Thai has no spaces). */
export type Taxonomy = Readonly<Record<string, Partial<Record<Locale, readonly string[]>>>>;

/** Lower case; Arabic-script variants folded to Persian letters; zero-width joiners removed. */
export function normaliseForMatching(text: string): string {
  return text
    .toLocaleLowerCase()
    .replace(/\u064A/g, '\u06CC') // Arabic yeh → Persian yeh
    .replace(/\u0643/g, '\u06A9') // Arabic kaf → Persian keheh
    .replace(/[\u200B-\u200D\uFEFF]/g, '');
}

/**
 * The topics a comment mentions, in taxonomy order. Keywords of every locale are tried: people
 * often answer in another language than the survey's.
 */
export function topicsOf(comment: string | undefined, taxonomy: Taxonomy): string[] {
  if (!comment) return [];
  const text = normaliseForMatching(comment);
  return Object.entries(taxonomy)
    .filter(([, byLocale]) => Object.values(byLocale).some((keywords) => keywords?.some((k) => text.includes(normaliseForMatching(k)))))
    .map(([topic]) => topic);
}
