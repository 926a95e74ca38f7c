import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser app's entry (app/main.ts), what /workspace/app.js serves once bundled. */
export const APP_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app', 'main.ts');

/** How the browser app is bundled: one minified ES2022 file for current desktop and phone browsers. */
export const APP_BUILD = { bundle: true, minify: true, format: 'iife', target: 'es2022', platform: 'browser', legalComments: 'none' } as const;

/**
 * The workspace's script. In a built handler (scripts/build.ts) this module is replaced by the script
 * itself, bundled at build time; run from source (the sandbox under tsx, the tests), it is bundled
 * here once, with esbuild, a development dependency.
 */
export async function appScript(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({ ...APP_BUILD, entryPoints: [APP_ENTRY], write: false });
  return result.outputFiles[0]?.text ?? '';
}
