import { afterEach, describe, expect, it, vi } from 'vitest';

/** Each function logs under its stage's name, which StageFunction sets as POWERTOOLS_SERVICE_NAME: code does not override it. */
describe("the handlers' logger", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('takes its service from POWERTOOLS_SERVICE_NAME (closeloop-<stage>)', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'closeloop-rules');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.resetModules();
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { logger } = await import('../../functions/adapters/observability.js');
    logger.info('case opened', { caseId: 'c-1' });
    const record = JSON.parse(written.find((line) => line.includes('case opened')) as string);
    expect(record).toMatchObject({ service: 'closeloop-rules', message: 'case opened', caseId: 'c-1' });
  });
});
