import { announce } from './announce.js';
import { cases } from './cases.js';
import { deliver } from './deliver.js';
import { deliverability } from './deliverability.js';
import { digest } from './digest.js';
import { dispatch } from './dispatch.js';
import { erase } from './erase.js';
import { escalate } from './escalate.js';
import { hooks } from './hooks.js';
import { inbound } from './inbound.js';
import type { StageManifest } from './manifest.js';
import { measure } from './measure.js';
import { notify } from './notify.js';
import { respond } from './respond.js';
import { rules } from './rules.js';
import { workspace } from './workspace.js';

/**
 * The stages, by name: each name is its folder under functions/ (the handler), its manifest here
 * and its pre-built bundle (dist/functions/<stage>). Adding a stage adds one line here.
 */
export const MANIFESTS = {
  dispatch,
  respond,
  rules,
  cases,
  hooks,
  escalate,
  measure,
  deliverability,
  erase,
  notify,
  deliver,
  announce,
  digest,
  workspace,
  inbound,
} as const satisfies Record<string, StageManifest>;
