import { describe, expect, it } from 'vitest';
import { fill, messagesFor, resolveLocale } from '../../../functions/domain/messages.js';
import { demoCatalog } from '../../fixtures/catalog.js';

const BUILT_IN = ['en', 'et', 'fa', 'hr', 'th'];

describe('locale bundles', () => {
  it('ships five built-in bundles, which every catalog has', () => {
    expect(Object.keys(demoCatalog.locales).sort()).toEqual(BUILT_IN);
  });

  it.each([
    ['hr', 'en', 'hr'],
    ['hr-HR', 'en', 'hr'],
    ['ET', 'en', 'et'],
    ['fa_IR', 'en', 'fa'],
    ['de', 'en', 'en'],
    ['de-AT', 'et', 'et'],
    [undefined, 'th', 'th'],
    ['pt-BR', 'en', 'pt-br'],
  ] as const)('resolves %s (default %s) to %s', (requested, fallback, expected) => {
    expect(resolveLocale(requested, [...BUILT_IN, 'pt-br'], fallback)).toBe(expected);
  });

  it('writes Persian right to left and the others left to right', () => {
    expect(BUILT_IN.filter((locale) => messagesFor(demoCatalog.locales, locale).dir === 'rtl')).toEqual(['fa']);
  });

  it('has every text in every locale', () => {
    const keys = (value: object): string[] => Object.entries(value).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k]));
    const english = keys(messagesFor(demoCatalog.locales, 'en')).sort();
    for (const locale of BUILT_IN) {
      const bundle = messagesFor(demoCatalog.locales, locale);
      expect(keys(bundle).sort()).toEqual(english);
      for (const key of english) {
        const text = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], bundle);
        expect(String(text).trim(), `${locale}.${key}`).not.toBe('');
      }
    }
  });

  it('falls back to English for a locale the catalog has no bundle for', () => {
    expect(messagesFor(demoCatalog.locales, 'xx')).toBe(demoCatalog.locales.en);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(fill('Hi {name}, from {brand} {missing}', { name: 'Ana', brand: 'Shop' })).toBe('Hi Ana, from Shop {missing}');
  });
});
