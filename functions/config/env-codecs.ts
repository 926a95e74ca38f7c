import { MissingConfigurationError } from './env.js';

/**
 * How a stage reads a variable that is not a plain string: decoded and checked once at cold start, so
 * a bad value fails the cold start naming the variable, not a request later. Manifests name them
 * (`codecs`); `readStageEnv` applies them.
 */
export interface EnvCodec<T> {
  /** What the value must be, for the error and the docs. */
  readonly about: string;
  /** The value of an optional variable that is not set. */
  readonly default?: T;
  /** The value, or undefined when the text is not one. */
  readonly decode: (text: string) => T | undefined;
}

/** Applies a codec to a variable's text, or fails naming the variable and what it must be. */
export function decodeVariable<T>(codec: EnvCodec<T>, variable: string, text: string): T {
  const value = codec.decode(text);
  if (value === undefined) throw new MissingConfigurationError(`${variable} must be ${codec.about}: got ${JSON.stringify(text.slice(0, 80))}`);
  return value;
}

/** A JSON object of name → http(s) URL (the follow-up and integration queues by name). */
export const urlsByName: EnvCodec<Readonly<Record<string, string>>> = {
  about: 'a JSON object of names to http(s) URLs',
  decode: (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entries = Object.entries(value);
    return entries.every(([, url]) => typeof url === 'string' && /^https?:\/\//.test(url)) ? Object.fromEntries(entries) : undefined;
  },
};

/** A number in a range, e.g. a time scale of the sandbox (1 in AWS); with a default, for an optional variable. */
export function numberIn(
  min: number,
  max: number,
  options: { readonly aboveMin?: boolean; readonly default: number },
): EnvCodec<number> & { readonly default: number };
export function numberIn(min: number, max: number, options?: { readonly aboveMin?: boolean }): EnvCodec<number>;
export function numberIn(min: number, max: number, options: { readonly aboveMin?: boolean; readonly default?: number } = {}): EnvCodec<number> {
  const lower = options.aboveMin ? `(${min}` : `[${min}`;
  return {
    about: `a number in ${lower}, ${max}]`,
    ...(options.default !== undefined ? { default: options.default } : {}),
    decode: (text) => {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value) && (options.aboveMin ? value > min : value >= min) && value <= max ? value : undefined;
    },
  };
}
