import { readEnv } from './env.js';
import type { StageManifest } from './stages/manifest.js';

/**
 * The handler's side of its manifest: the stage's required variables, read once at cold start (a
 * missing one fails it, loudly). A handler passes its own manifest (`import { dispatch } from
 * '../config/stages/dispatch.js'`), so its bundle carries no other stage's.
 */
export function readStageEnv<M extends StageManifest>(manifest: M, env: NodeJS.ProcessEnv = process.env): Record<M['env'][number], string> {
  return readEnv(manifest.env as readonly M['env'][number][], env);
}
