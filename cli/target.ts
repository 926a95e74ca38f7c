import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SandboxInfo } from '../sandbox/sandbox.js';
import { CliError } from './args.js';

/** Where the running sandbox describes itself: always the current folder's `.sandbox/sandbox.json`. */
export const SANDBOX_FILE = path.join('.sandbox', 'sandbox.json');

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/**
 * The running sandbox of the current folder, or undefined. A file whose endpoints are not on this
 * machine's loopback is refused: the CLI never sends data where a planted file points.
 */
export function localSandbox(file = SANDBOX_FILE): SandboxInfo | undefined {
  if (!existsSync(file)) return undefined;
  let info: SandboxInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as SandboxInfo;
  } catch {
    throw new CliError(`${path.resolve(file)} is not a sandbox description (not JSON); remove it or start the sandbox again`);
  }
  const endpoints = Object.values(info.endpoints ?? {});
  if (!endpoints.length || endpoints.some((endpoint) => !LOOPBACK.test(String(endpoint)))) {
    throw new CliError(`${path.resolve(file)} names endpoints that are not on this machine's loopback; refusing to use it`);
  }
  return info;
}

/** The running sandbox, or an error that says how to start it. */
export function requireSandbox(command: string): SandboxInfo {
  const info = localSandbox();
  if (!info) throw new CliError(`closeloop ${command}: no running sandbox in this folder (${SANDBOX_FILE} is missing). Start it with \`npx closeloop sandbox\`.`);
  return info;
}
