import { ENV, MissingConfigurationError } from './env.js';
import type { MetricName, StageMetric } from './metrics.js';
import { MANIFESTS } from './stages/index.js';
import type { EnvKey, Route, StageManifest } from './stages/manifest.js';

/**
 * What each stage needs from the stack, declared once in its manifest (./stages/<stage>.ts). Four readers:
 * - the stage's construct (lib/constructs/*): `ServiceFunction` requires exactly these variables,
 *   grants exactly these table actions and index queries, and the API gets exactly these routes;
 * - the handler: `readStageEnv(stage)` reads and checks the variables at cold start, and
 *   `stageCounter(stage)` emits only the metric names the stage declares (./metrics.ts);
 * - the sandbox: it provides the same variables and serves the same routes;
 * - the test fixtures (test/fixtures/handler-env.ts).
 * The metric names are the fourth part of the contract, in ./metrics.ts (kept apart so a handler's
 * bundle holds only the names it emits, which the dashboard test checks).
 */

export type { EnvKey, HttpMethod, IndexName, Route, TableAction } from './stages/manifest.js';

/** What a function reads and may do: the part of a stage's manifest (./stages/) that every reader checks. */
export type StageWiring = Pick<StageManifest, 'env' | 'optionalEnv' | 'table' | 'indexes' | 'routes'>;

/** Every stage's manifest, by name (./stages/index.ts). */
export const WIRING = MANIFESTS;

export type Stage = keyof typeof WIRING;
export const STAGES = Object.keys(WIRING) as Stage[];

/** The stages a stack deploys: every one but those whose prop (`onlyWith`) is off. */
export function deployedStages(options: { readonly workspace?: boolean; readonly inbound?: boolean } = {}): Stage[] {
  return STAGES.filter((stage) => {
    const onlyWith = (WIRING[stage] as StageManifest).onlyWith;
    return onlyWith === undefined || options[onlyWith] === true;
  });
}
export type StageEnvKey<S extends Stage> = (typeof WIRING)[S]['env'][number];
type OptionalEnvKey<S extends Stage> = (typeof WIRING)[S] extends { readonly optionalEnv: readonly (infer K)[] } ? K : never;
/** Every variable some stage requires or reads: what the sandbox and the test fixtures provide (all at once: they run every stage in one process). */
export type WiredEnvKey = { [S in Stage]: StageEnvKey<S> | OptionalEnvKey<S> }[Stage];

/** Variable name → value, for every wired key (the sandbox's and the fixtures' environment). */
export function wiredVariables(values: Readonly<Record<WiredEnvKey, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [ENV[key as EnvKey], value]));
}

/** The values a construct or the sandbox gives a stage: one per required variable, by key. */
export type StageEnvironment<S extends Stage> = Readonly<Record<StageEnvKey<S>, string>> & { readonly [K in OptionalEnvKey<S> & string]?: string };

/** Every variable some stage requires or reads: what the sandbox and the fixtures must provide. */
export const ENV_KEYS_IN_USE: readonly EnvKey[] = [
  ...new Set(Object.values(WIRING as Record<Stage, StageWiring>).flatMap((wiring) => [...wiring.env, ...(wiring.optionalEnv ?? [])])),
];

/** `method path` keys of a route, as API Gateway names them (`GET /cases/{caseId}`). */
export function routeKeys(route: Route): string[] {
  return route.methods.map((method) => `${method} ${route.path}`);
}

/** The stage's variables as the function sees them (variable name → value); a missing value is an error, an extra one too. */
export function stageVariables<S extends Stage>(stage: S, values: StageEnvironment<S>): Record<string, string> {
  const wiring: StageWiring = WIRING[stage];
  const given = values as Readonly<Record<string, string | undefined>>;
  const allowed = new Set<string>([...wiring.env, ...(wiring.optionalEnv ?? [])]);
  const missing = wiring.env.filter((key) => given[key] === undefined);
  const extra = Object.keys(given).filter((key) => !allowed.has(key));
  if (missing.length || extra.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not declared ${extra.join(', ')}` : ''].filter(Boolean);
    throw new MissingConfigurationError(
      `The ${stage} stage's environment does not match its manifest (functions/config/stages/${stage}.ts): ${parts.join('; ')}`,
    );
  }
  return Object.fromEntries(Object.entries(given).map(([key, value]) => [ENV[key as EnvKey], value as string]));
}

/** A stage's metric names, from its manifest: what the dashboard and the alarms may read of it. */
export function stageMetrics<S extends Stage>(stage: S): readonly StageMetric<S>[] {
  return WIRING[stage].metrics;
}

/** Every declared metric with the stage that emits it. */
export function metricOwners(): ReadonlyMap<MetricName, Stage> {
  return new Map(STAGES.flatMap((stage) => stageMetrics(stage).map((name): [MetricName, Stage] => [name, stage])));
}
