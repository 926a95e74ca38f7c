import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxInfo } from './sandbox.js';

export const SANDBOX_FILE = path.join('.sandbox', 'sandbox.json');

/** The running sandbox's endpoints, for the helper scripts; exits with advice when there is none. */
export async function readSandboxFileOrExit(file = SANDBOX_FILE): Promise<SandboxInfo> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SandboxInfo;
  } catch {
    console.error(`No running sandbox found (${file} is missing). Start it first with \`npm start\`.`);
    process.exit(1);
  }
}
