import type { MANIFESTS } from './stages/index.js';

/**
 * Closeloop's metrics (namespace `Closeloop`, unit Count, dimension `service`). Each stage's names
 * are in its manifest (`metrics`, ./stages/<stage>.ts). A handler imports its own manifest only
 * (`stageCounter` in adapters/observability.ts accepts its names and no other), so its bundle carries
 * the names it emits as literals and nothing else; the dashboard and the alarms read names from the
 * manifests (`stageMetrics` in ./wiring.ts), and test/infra/wiring.test.ts proves each one they read
 * is in the declaring stage's bundle. This module holds constants and types only.
 */
export const METRICS_NAMESPACE = 'Closeloop';
/** The `service` dimension of Closeloop's metrics (Powertools' default dimension) where no instance name is set (the sandbox, tests); in AWS each instance sets its own (ENV.METRICS_SERVICE). */
export const METRICS_SERVICE = 'closeloop';

type Manifests = typeof MANIFESTS;
export type StageMetric<S extends keyof Manifests> = Manifests[S]['metrics'][number];
export type MetricName = { [S in keyof Manifests]: StageMetric<S> }[keyof Manifests];
