/** The compiled `closeloop` command as a user meets it: a real process, its exit code and its streams. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve('dist/cli/closeloop.mjs');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** Runs the CLI in an empty folder (no sandbox, no catalog) with no AWS credentials anywhere. */
async function closeloop(args: string[], cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'))): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: cwd, AWS_CONFIG_FILE: path.join(cwd, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(cwd, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'eu-west-1',
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the closeloop command', () => {
  it('prints its version, and the command list with --help (exit 0) or without a command (exit 2, on stderr)', async () => {
    expect(await closeloop(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = await closeloop(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/sandbox .*\n.*demo .*\n.*validate/);
    const none = await closeloop([]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('Usage: closeloop <command>');
  });

  it('gives each command its own --help', async () => {
    const caseHelp = await closeloop(['case', '--help']);
    const reportHelp = await closeloop(['report', '--help']);
    expect(caseHelp).toMatchObject({ code: 0 });
    expect(caseHelp.stdout).toContain('closeloop case resolve <caseId> --root-cause <tag>');
    expect(reportHelp.stdout).toContain('--granularity');
    expect(reportHelp.stdout).not.toContain('--root-cause');
  });

  it.each([
    [['frobnicate'], 'closeloop: unknown command "frobnicate"'],
    [['report', '--bogus'], "closeloop report: unknown option '--bogus'"],
    [['validate', '--api-url', 'https://x.example'], "closeloop validate: unknown option '--api-url'"],
    [['case', 'show'], 'closeloop case: missing argument'],
    [['case', 'frob', 'c-1'], 'closeloop case: unknown action "frob"'],
    [['case', 'ack', 'c-1', '--root-cause', 'pricing'], '--root-cause goes with resolve'],
    [['report', '--granularity', 'year'], '--granularity must be day, week or month'],
    [['erase', 'ana@example.com'], 'No case API: pass --api-url'],
  ])('refuses %j with exit 2 and a message on stderr', async (args, message) => {
    const result = await closeloop(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('says that credentials are missing (exit 5), not that the API did not answer', async () => {
    const result = await closeloop(['case', 'show', 'c-1', '--api-url', 'https://abc123.execute-api.eu-west-1.amazonaws.com']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('No AWS credentials for the API at https://abc123.execute-api.eu-west-1.amazonaws.com');
  });

  it('refuses a .sandbox/sandbox.json that points off this machine', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'));
    mkdirSync(path.join(cwd, '.sandbox'));
    writeFileSync(path.join(cwd, '.sandbox', 'sandbox.json'), JSON.stringify({ endpoints: { publicApi: 'http://attacker.example:3000' }, region: 'us-east-1', credentials: {} }));
    const result = await closeloop(['erase', 'ana@example.com'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('names endpoints that are not on this machine\'s loopback; refusing to use it');
    expect(result.stderr).not.toContain('target:');
  });

  it('validates a catalog: exit 0 valid, 1 invalid with each problem named', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-cli-'));
    const demo = readFileSync('closeloop.yaml', 'utf8');
    writeFileSync(path.join(cwd, 'closeloop.yaml'), demo);
    expect((await closeloop(['validate'], cwd)).code).toBe(0);
    writeFileSync(path.join(cwd, 'closeloop.yaml'), demo.replace('invitationTtlDays: 30', 'invitationTTLDays: 30'));
    const invalid = await closeloop(['validate'], cwd);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('closeloop.yaml: invitationTTLDays: unknown key (did you mean "invitationTtlDays"?)');
  });
});
