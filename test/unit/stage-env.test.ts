import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { numberIn, urlsByName } from '../../functions/config/env-codecs.js';
import { readStageEnv } from '../../functions/config/stage-env.js';
import type { StageManifest } from '../../functions/config/stages/manifest.js';

const manifest = {
  description: 'a stage',
  metrics: [],
  env: ['SURVEY_TABLE', 'FOLLOW_UP_QUEUE_URLS'],
  optionalEnv: ['SLA_TIME_SCALE'],
  codecs: { FOLLOW_UP_QUEUE_URLS: urlsByName, SLA_TIME_SCALE: numberIn(0, 1, { aboveMin: true, default: 1 }) },
  table: [],
} as const satisfies StageManifest;

const urls = JSON.stringify({ support: 'https://sqs.eu-west-1.amazonaws.com/1/support' });

describe("a stage's environment, read by its manifest at cold start", () => {
  it('decodes each variable by its codec and gives an unset optional one its default', () => {
    const env = readStageEnv(manifest, { [ENV.SURVEY_TABLE]: 'surveys', [ENV.FOLLOW_UP_QUEUE_URLS]: urls });
    expect(env).toEqual({ SURVEY_TABLE: 'surveys', FOLLOW_UP_QUEUE_URLS: { support: 'https://sqs.eu-west-1.amazonaws.com/1/support' }, SLA_TIME_SCALE: 1 });
    expect(readStageEnv(manifest, { [ENV.SURVEY_TABLE]: 's', [ENV.FOLLOW_UP_QUEUE_URLS]: urls, [ENV.SLA_TIME_SCALE]: '0.001' }).SLA_TIME_SCALE).toBe(0.001);
  });

  it('fails the cold start naming the variable and what it must be', () => {
    expect(() => readStageEnv(manifest, { [ENV.SURVEY_TABLE]: 's', [ENV.FOLLOW_UP_QUEUE_URLS]: '{"support": 42}' })).toThrow(
      `${ENV.FOLLOW_UP_QUEUE_URLS} must be a JSON object of names to http(s) URLs: got "{\\"support\\": 42}"`,
    );
    expect(() => readStageEnv(manifest, { [ENV.SURVEY_TABLE]: 's', [ENV.FOLLOW_UP_QUEUE_URLS]: 'not json' })).toThrow(ENV.FOLLOW_UP_QUEUE_URLS);
    expect(() => readStageEnv(manifest, { [ENV.SURVEY_TABLE]: 's', [ENV.FOLLOW_UP_QUEUE_URLS]: urls, [ENV.SLA_TIME_SCALE]: '0' })).toThrow(
      `${ENV.SLA_TIME_SCALE} must be a number in (0, 1]`,
    );
    expect(() => readStageEnv(manifest, { [ENV.FOLLOW_UP_QUEUE_URLS]: urls })).toThrow(`Missing environment variables: ${ENV.SURVEY_TABLE}`);
  });
});
