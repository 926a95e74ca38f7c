/** The survey scales Closeloop knows. Pure data and maths: no AWS, no I/O. */
export const SURVEY_KINDS = ['nps', 'csat', 'ces', 'enps'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

export interface Scale {
  readonly min: number;
  readonly max: number;
}

export function scaleOf(kind: SurveyKind): Scale {
  return surveyKind(kind).scale;
}

/** Every score a respondent can pick, low to high (one email link each). */
export function scoresOf(kind: SurveyKind): number[] {
  const { min, max } = scaleOf(kind);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

export function isValidScore(kind: SurveyKind, score: number): boolean {
  const { min, max } = scaleOf(kind);
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
  return surveyKind(kind).classify(score);
}

/**
 * Everything that differs between survey kinds, in one place: code asks the descriptor
 * (`surveyKind(kind).anonymous`), never compares a kind with `'enps'`.
 */
export interface SurveyKindDescriptor {
  readonly kind: SurveyKind;
  readonly scale: Scale;
  /** The band of a valid score. */
  readonly classify: (score: number) => Classification;
  /**
   * The respondent is anonymous (eNPS): an answered invitation forgets the address and name; no one
   * is notified or announced to; reports come by whole months with small groups hidden; events and
   * deliveries carry no customer.
   */
  readonly anonymous: boolean;
  /**
   * What a program of this kind may not declare, by catalog key, with the reason: an anonymous
   * program opens no cases (`rules`: a case names the answer and its time) and raises no rolling-score
   * alerts (`alert`: an alert dates answers to the day), so nothing of it leaves the month grid.
   */
  readonly refuses: Readonly<Partial<Record<'rules' | 'alert', string>>>;
  /** Its answers are announced on the bus (`SurveyResponded`): never an anonymous kind's, whose webhook timestamp and id would date and link them. */
  readonly publishesResponses: boolean;
  /** The headline figure of reports and digests. */
  readonly figure: {
    /** Short, in text reports and digests: "NPS", "CSAT top-2 %". */
    readonly name: string;
    /** In the HTML report's chart and summary. */
    readonly title: string;
    /** Its possible values, for the chart's axis. */
    readonly range: readonly [number, number];
    /** How it is estimated from the counters (domain/aggregates.ts). */
    readonly estimator: 'net-promoter' | 'top-two-box' | 'mean';
    /** Decimal places shown. */
    readonly decimals: 1 | 2;
    /** A higher value is worse (CES: more effort): alerts fire above their threshold. */
    readonly higherIsWorse: boolean;
    /** Reports split the answers into promoters, passives and detractors. */
    readonly promoterSplit: boolean;
  };
}

const netPromoterBands = (score: number): Classification => (score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter');
const netPromoterFigure = { range: [-100, 100], estimator: 'net-promoter', decimals: 1, higherIsWorse: false, promoterSplit: true } as const;

const DESCRIPTORS: Readonly<Record<SurveyKind, SurveyKindDescriptor>> = {
  nps: {
    kind: 'nps',
    scale: { min: 0, max: 10 },
    classify: netPromoterBands,
    anonymous: false,
    refuses: {},
    publishesResponses: true,
    figure: { ...netPromoterFigure, name: 'NPS', title: 'NPS' },
  },
  enps: {
    kind: 'enps',
    scale: { min: 0, max: 10 },
    classify: netPromoterBands,
    anonymous: true,
    refuses: {
      rules: 'an eNPS program opens no follow-up cases: its answers are anonymous, and a case names an answer and its time',
      alert: 'an eNPS program raises no rolling-score alerts: its answers are reported by whole months only',
    },
    publishesResponses: false,
    figure: { ...netPromoterFigure, name: 'eNPS', title: 'eNPS' },
  },
  csat: {
    kind: 'csat',
    scale: { min: 1, max: 5 },
    classify: (score) => (score <= 2 ? 'dissatisfied' : score === 3 ? 'neutral' : 'satisfied'),
    anonymous: false,
    refuses: {},
    publishesResponses: true,
    figure: {
      name: 'CSAT top-2 %',
      title: 'CSAT (top-2-box %)',
      range: [0, 100],
      estimator: 'top-two-box',
      decimals: 1,
      higherIsWorse: false,
      promoterSplit: false,
    },
  },
  ces: {
    kind: 'ces',
    scale: { min: 1, max: 7 },
    classify: (score) => (score <= 3 ? 'low-effort' : score === 4 ? 'medium-effort' : 'high-effort'),
    anonymous: false,
    refuses: {},
    publishesResponses: true,
    figure: { name: 'CES mean', title: 'CES (mean effort)', range: [1, 7], estimator: 'mean', decimals: 2, higherIsWorse: true, promoterSplit: false },
  },
};

/** The descriptor of a survey kind. */
export function surveyKind(kind: SurveyKind): SurveyKindDescriptor {
  return DESCRIPTORS[kind];
}
