import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../functions/config/catalog-schema.js';
import { SURVEY_KINDS, surveyKind } from '../../../functions/domain/survey-kinds.js';
import { declaredCatalog } from '../../fixtures/catalog.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

describe('the survey-kind descriptors', () => {
  it('make eNPS, and only eNPS, anonymous; name each headline figure', () => {
    expect(SURVEY_KINDS.filter((kind) => surveyKind(kind).anonymous)).toEqual(['enps']);
    expect(SURVEY_KINDS.map((kind) => surveyKind(kind).figure.name)).toEqual(['NPS', 'CSAT top-2 %', 'CES mean', 'eNPS']);
    expect(SURVEY_KINDS.filter((kind) => surveyKind(kind).figure.higherIsWorse)).toEqual(['ces']);
  });

  it('are what the code asks: no source file compares a survey kind with a literal', () => {
    const sources = ['functions', 'lib', 'cli', 'sandbox', 'scripts'].flatMap((folder) =>
      readdirSync(path.join(REPO, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => path.join(folder, file)),
    );
    const comparisons = sources.flatMap((file) =>
      [...readFileSync(path.join(REPO, file), 'utf8').matchAll(/[!=]==\s*'(nps|enps|csat|ces)'|case '(nps|enps|csat|ces)':/g)].map(
        (match) => `${file}: ${match[0]}`,
      ),
    );
    expect(comparisons).toEqual([]);
  });
});

describe('eNPS stays on the month grid (issue 25, item 4)', () => {
  const enps = (extra: Record<string, unknown>) => () =>
    parseCatalog({
      ...declaredCatalog(),
      programs: [
        {
          id: 'staff',
          trigger: { source: 'hr.reviews', detailType: 'ReviewCompleted' },
          kind: 'enps',
          defaultLocale: 'en',
          ownerTeam: 'support',
          rules: [],
          ...extra,
        },
      ],
    });

  it('refuses follow-up rules and alerts on an eNPS program, naming the path', () => {
    expect(enps({ rules: [{ id: 'low', when: { scoreAtMost: 6 }, queue: 'support', dueInHours: 24 }] })).toThrow(
      /programs\.0\.rules: an eNPS program opens no follow-up cases/,
    );
    expect(enps({ alert: { threshold: 10, windowDays: 28, minResponses: 30 } })).toThrow(/programs\.0\.alert: an eNPS program raises no rolling-score alerts/);
    expect(enps({})).not.toThrow();
  });
});
