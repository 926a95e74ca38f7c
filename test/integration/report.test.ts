import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sandbox, seedSegment } from './sandbox-clients.js';

const run = promisify(execFile);

describe('closeloop report against the sandbox (the real CLI, a child process)', () => {
  it('prints JSON for a segment seeded through the whole pipeline', async () => {
    const segment = `report-${randomUUID().slice(0, 8)}`;
    await seedSegment(segment, [10, 9, 8, 5, 3, 0]);

    const { stdout } = await run(
      'node',
      ['dist/cli/closeloop.mjs', 'report', '--program', 'order-delivered-nps', '--segment', segment, '--granularity', 'day', '--json'],
      {
        env: {
          ...process.env,
          CLOSELOOP_TABLE: sandbox.tables.surveys,
          AWS_ENDPOINT_URL_DYNAMODB: sandbox.endpoints.dynamodb,
          AWS_REGION: sandbox.region,
          AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
        },
      },
    );
    const [report] = JSON.parse(stdout);

    // 2 promoters, 1 passive, 3 detractors of 6 → NPS −16.7
    expect(report).toMatchObject({
      programId: 'order-delivered-nps',
      segment,
      sent: 6,
      responses: 6,
      responseRate: 100,
      score: { value: -16.7 },
      split: { promoters: 33.3, passives: 16.7, detractors: 50 },
      topics: [{ name: 'delivery', count: 3, share: 100, cumulativeShare: 100 }],
    });
    expect(report.series).toHaveLength(1);
  });

  it('says clearly when there is nothing to read', async () => {
    const failed = await run('node', [`${process.cwd()}/dist/cli/closeloop.mjs`, 'report'], {
      cwd: '/tmp',
      env: { ...process.env, CLOSELOOP_TABLE: '' },
    }).catch((e: { stderr: string; code: number }) => e);
    expect((failed as { code: number }).code).toBe(2); // a usage error: no --table and no sandbox here
    expect((failed as { stderr: string }).stderr).toContain('No table: pass --table');
  });
});
