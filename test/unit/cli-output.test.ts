/**
 * What the CLI prints from data cannot drive the terminal (issue 25, item 6): a customer id, an
 * assignee, a note or a webhook-id holding ESC]0;…BEL (retitles the window), CSI 8m (hides what
 * follows) or U+202E (reverses it) is printed as visible escapes, as text and as JSON.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caseCommand } from '../../cli/case.js';
import { eraseCommand } from '../../cli/erase.js';
import { integrationsCommand } from '../../cli/integrations.js';
import { safeJson, visible } from '../../cli/output.js';

const EVIL = 'c-1\u001b]0;owned\u0007\u001b[8mhidden\u202Eexe.txt\u009b';
const RAW = /(?!\n)\p{Cc}|\u202E/u;

const record = {
  message: { caseId: 'AAAAAAAAAAAAAAAAAAAAAA', rule: 'detractor', queue: 'support', score: 2, customer: { id: EVIL }, dueAt: '2026-12-08T10:00:00Z' },
  status: 'open',
  assignee: EVIL,
  history: [{ at: '2026-12-07T10:00:00Z', action: 'opened', actor: EVIL }],
};
const answers: Record<string, unknown> = {
  'GET /cases/AAAAAAAAAAAAAAAAAAAAAA': record,
  'GET /cases': {
    items: [
      { caseId: EVIL, status: 'open', queue: 'support', programId: EVIL, score: 2, dueAt: '2026-12-08T10:00:00Z', overdue: false, rung: 0, assignee: EVIL },
    ],
    cursor: null,
  },
  'POST /erasures': {
    contactKey: EVIL,
    erasedAt: '2026-12-07T10:00:00Z',
    suppressed: true,
    invitationsDeleted: 1,
    responsesAnonymised: 0,
    casesAnonymised: 0,
    contactRecordsDeleted: 0,
    notificationsDeleted: 0,
  },
  'POST /integrations/cx/replay': { integrationId: 'cx', since: '2026-12-07T00:00:00.000Z', replayed: 1, webhookIds: [EVIL] },
};

let server: http.Server;
const env: Record<string, string> = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
const previous: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = http.createServer(async (request, response) => {
    for await (const _ of request);
    const key = `${request.method} ${(request.url ?? '').split('?')[0]}`;
    response.writeHead(key in answers ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(answers[key] ?? { message: 'not here' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  env.CLOSELOOP_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [key, value] of Object.entries(env)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
});
afterAll(async () => {
  for (const [key, value] of Object.entries(previous)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await new Promise((resolve) => server.close(resolve));
});

/** What a command printed: on standard output, or on both streams. */
async function printed(run: () => number | Promise<number>, streams: 'stdout' | 'both' = 'both'): Promise<string> {
  const out: unknown[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(...args));
  const error = vi.spyOn(console, 'error').mockImplementation((...args) => void (streams === 'both' && out.push(...args)));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await run()).toBe(0);
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
  return out.join('\n');
}

describe('the CLI prints data, never terminal controls', () => {
  it.each([
    ['case show', () => caseCommand.run(['show', 'AAAAAAAAAAAAAAAAAAAAAA'], {})],
    ['case list', () => caseCommand.run(['list'], {})],
    ['erase', () => eraseCommand.run(['ana@example.com'], {})],
  ])('%s: as visible escapes in text', async (_, run) => {
    const text = await printed(run);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('c-1\\u{1B}]0;owned\\u{7}\\u{1B}[8mhidden\\u{202E}exe.txt\\u{9B}');
  });

  it.each([
    ['case show --json', () => caseCommand.run(['show', 'AAAAAAAAAAAAAAAAAAAAAA'], { json: true })],
    ['case list --json', () => caseCommand.run(['list'], { json: true })],
    ['erase --json', () => eraseCommand.run(['ana@example.com'], { json: true })],
    ['integrations replay --json', () => integrationsCommand.run(['replay', 'cx'], { since: '2026-12-07T00:00:00Z', json: true })],
  ])('%s: as \\uXXXX escapes in JSON that still parses to the same data', async (_, run) => {
    const text = await printed(run, 'stdout');
    expect(text).not.toMatch(RAW);
    expect(text).toMatch(/c-1\\u001b\]0;owned\\u0007\\u001b\[8mhidden\\u202eexe\.txt\\u009b/i);
    expect(JSON.stringify(JSON.parse(text))).toContain(JSON.stringify(EVIL).slice(1, -1));
  });

  it('keeps the text itself: line breaks, Persian with its joiner, emoji', () => {
    expect(visible('a\nمی\u200Cخواهم 👩\u200D💻')).toBe('a\nمی\u200Cخواهم 👩\u200D💻');
    expect(JSON.parse(safeJson({ v: EVIL }))).toEqual({ v: EVIL });
  });
});
