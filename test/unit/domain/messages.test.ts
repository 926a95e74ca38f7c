import { describe, expect, it } from 'vitest';
import { fill, LOCALES, messagesFor, resolveLocale } from '../../../functions/domain/messages.js';

describe('message catalogs', () => {
  it.each([
    ['hr', 'en', 'hr'], ['hr-HR', 'en', 'hr'], ['ET', 'en', 'et'], ['fa_IR', 'en', 'fa'],
    ['de', 'en', 'en'], ['de-AT', 'et', 'et'], [undefined, 'th', 'th'],
  ] as const)('resolves %s (default %s) to %s', (requested, fallback, expected) => {
    expect(resolveLocale(requested, fallback)).toBe(expected);
  });

  it('writes Persian right to left and the others left to right', () => {
    expect(LOCALES.filter((locale) => messagesFor(locale).dir === 'rtl')).toEqual(['fa']);
  });

  it('has every text in every locale', () => {
    const keys = (value: object): string[] => Object.entries(value).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k]));
    const english = keys(messagesFor('en')).sort();
    for (const locale of LOCALES) {
      expect(keys(messagesFor(locale)).sort()).toEqual(english);
      for (const key of english) {
        const text = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], messagesFor(locale));
        expect(String(text).trim(), `${locale}.${key}`).not.toBe('');
      }
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fill('Hi {name}, from {brand} {missing}', { name: 'Ana', brand: 'Shop' })).toBe('Hi Ana, from Shop {missing}');
  });
});
