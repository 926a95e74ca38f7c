/** The survey scales Closeloop knows. Pure data and maths: no AWS, no I/O. */
export const SURVEY_KINDS = ['nps', 'csat', 'ces', 'enps'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

export interface Scale {
  readonly min: number;
  readonly max: number;
}

const SCALES: Record<SurveyKind, Scale> = {
  nps: { min: 0, max: 10 },
  enps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

export function scaleOf(kind: SurveyKind): Scale {
  return SCALES[kind];
}

/** Every score a respondent can pick, low to high (one email link each). */
export function scoresOf(kind: SurveyKind): number[] {
  const { min, max } = SCALES[kind];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

export function isValidScore(kind: SurveyKind, score: number): boolean {
  const { min, max } = SCALES[kind];
  return Number.isInteger(score) && score >= min && score <= max;
}

export const CLASSIFICATIONS = [
  'detractor',
  'passive',
  'promoter', // NPS, eNPS
  'dissatisfied',
  'neutral',
  'satisfied', // CSAT (top-2-box = satisfied)
  'low-effort',
  'medium-effort',
  'high-effort', // CES (1 = very little effort)
] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** The standard bands: NPS 0–6/7–8/9–10, CSAT 1–2/3/4–5, CES 1–3/4/5–7. */
export function classify(kind: SurveyKind, score: number): Classification {
  if (!isValidScore(kind, score)) throw new RangeError(`score ${score} is outside the ${kind} scale`);
  switch (kind) {
    case 'nps':
    case 'enps':
      return score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter';
    case 'csat':
      return score <= 2 ? 'dissatisfied' : score === 3 ? 'neutral' : 'satisfied';
    case 'ces':
      return score <= 3 ? 'low-effort' : score === 4 ? 'medium-effort' : 'high-effort';
  }
}
