import { ENV, readEnv } from './env.js';
import { decodeVariable, type EnvCodec } from './env-codecs.js';
import type { EnvKey, StageManifest } from './stages/manifest.js';

type CodecOf<M, K> = M extends { readonly codecs: infer C } ? (K extends keyof C ? C[K] : undefined) : undefined;
type ValueOf<M, K> = CodecOf<M, K> extends EnvCodec<infer T> ? T : string;
type OptionalKey<M> = M extends { readonly optionalEnv: readonly (infer K)[] } ? K : never;
type OptionalValueOf<M, K> = CodecOf<M, K> extends { readonly default: infer T } ? T : ValueOf<M, K> | undefined;

/** A stage's environment as its handler sees it: each variable decoded by its codec (a string without one), an optional one by its default when not set. */
export type StageEnv<M extends StageManifest> = { readonly [K in M['env'][number]]: ValueOf<M, K> } & {
  readonly [K in OptionalKey<M> & EnvKey]: OptionalValueOf<M, K>;
};

/**
 * The handler's side of its manifest: the stage's variables, read and decoded once at cold start (a
 * missing or malformed one fails it, loudly, naming the variable). A handler passes its own manifest
 * (`import { dispatch } from '../config/stages/dispatch.js'`), so its bundle carries no other stage's.
 */
export function readStageEnv<M extends StageManifest>(manifest: M, env: NodeJS.ProcessEnv = process.env): StageEnv<M> {
  const codecs: Readonly<Partial<Record<EnvKey, EnvCodec<unknown>>>> = manifest.codecs ?? {};
  const required = readEnv(manifest.env, env);
  const values: Record<string, unknown> = {};
  for (const key of manifest.env) {
    const codec = codecs[key];
    values[key] = codec ? decodeVariable(codec, ENV[key], required[key]) : required[key];
  }
  for (const key of manifest.optionalEnv ?? []) {
    const codec = codecs[key];
    const text = env[ENV[key]];
    values[key] = text === undefined || text === '' ? codec?.default : codec ? decodeVariable(codec, ENV[key], text) : text;
  }
  return values as StageEnv<M>;
}
