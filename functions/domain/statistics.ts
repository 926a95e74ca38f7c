/** Survey statistics with confidence intervals. Pure maths; scores in the units people read. */

/** Two-sided 95 %. */
export const Z_95 = 1.959963984540054;

export interface Estimate {
  /** Responses the estimate rests on. */
  readonly n: number;
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * NPS (−100…100) with the adjusted-Wald interval (Sauro & Lewis; Rocks 2016): add 3 to n and ¾ to
 * promoters and detractors, then use the variance of a difference of two proportions.
 */
export function npsEstimate(promoters: number, passives: number, detractors: number, z = Z_95): Estimate {
  const n = promoters + passives + detractors;
  const value = n ? ((promoters - detractors) / n) * 100 : 0;
  const adjustedN = n + 3;
  const pro = (promoters + 0.75) / adjustedN;
  const det = (detractors + 0.75) / adjustedN;
  const adjusted = pro - det;
  const margin = z * Math.sqrt((pro + det - adjusted ** 2) / adjustedN);
  return { n, value, lower: Math.max(-100, (adjusted - margin) * 100), upper: Math.min(100, (adjusted + margin) * 100) };
}

/** A share in % (CSAT top-2-box) with the adjusted-Wald (Agresti–Coull) interval. */
export function proportionEstimate(successes: number, n: number, z = Z_95): Estimate {
  const value = n ? (successes / n) * 100 : 0;
  const adjustedN = n + z ** 2;
  const p = (successes + z ** 2 / 2) / adjustedN;
  const margin = z * Math.sqrt((p * (1 - p)) / adjustedN);
  return { n, value, lower: Math.max(0, (p - margin) * 100), upper: Math.min(100, (p + margin) * 100) };
}

/** A mean (CES) with a normal-approximation interval from the sum and the sum of squares. */
export function meanEstimate(sum: number, sumOfSquares: number, n: number, z = Z_95): Estimate {
  if (n === 0) return { n, value: 0, lower: 0, upper: 0 };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - n * mean ** 2) / (n - 1)) : 0;
  const margin = z * Math.sqrt(variance / n);
  return { n, value: mean, lower: mean - margin, upper: mean + margin };
}
