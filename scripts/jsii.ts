/**
 * jsii (issue 23, part 6): compiles closeloop's public API (lib/api.ts) with jsii, writes its reference
 * with jsii-docgen, generates the Python bindings' code with jsii-pacmak and syntax-checks it.
 *   tsx scripts/jsii.ts            writes docs/API.md
 *   tsx scripts/jsii.ts --check    fails when docs/API.md is stale (test/infra/jsii.test.ts)
 * The tools come from tools/jsii (own lockfile; `npm ci --prefix tools/jsii`). Nothing is published:
 * no PyPI from here, and the published npm package stays the esbuild one (zod and yaml bundled, no
 * dependencies), which jsii's rules would not allow (every dependency a jsii module or bundled).
 * jsii compiles a copy of lib/ and functions/ in a temporary folder, as a package whose main is
 * lib/api.ts, so its CommonJS output and tsconfig.json never touch the repository. One change is made
 * to the copy, the one the CommonJS build makes too: `import.meta.url` is the file's own path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, 'tools', 'jsii', 'node_modules', '.bin');
export const API_MD = path.join(root, 'docs', 'API.md');

export interface JsiiResult {
  /** What jsii-docgen wrote for the API. */
  readonly apiMarkdown: string;
  /** The Python files jsii-pacmak generated (paths relative to its output), all byte-compiled. */
  readonly pythonFiles: readonly string[];
  /** The generated Python module's source (closeloop/__init__.py). */
  readonly pythonModule: string;
}

function run(tool: string, args: string[], cwd: string): string {
  const bin = tool === 'python3' ? tool : path.join(tools, tool);
  if (tool !== 'python3' && !existsSync(bin)) throw new Error(`${tool} is not installed: npm ci --prefix tools/jsii`);
  try {
    return execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JSII_SUPPRESS_UPGRADE_PROMPT: '1' } });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`.replace(/^!!.*\n/gm, ''));
  }
}

/** Compiles, documents and generates the Python code in a fresh temporary folder; removes it after. */
export function runJsii(): JsiiResult {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
    license: string;
    peerDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'closeloop-jsii-'));
  try {
    // Not the workspace's browser app and what bundles it (browser code; esbuild at build time): the API reaches neither.
    const workspace = path.join(root, 'functions', 'workspace');
    const browserSide = [path.join(workspace, 'app', 'main.ts'), path.join(workspace, 'app-asset.ts'), path.join(workspace, 'handler.ts')];
    for (const folder of ['lib', 'functions']) {
      cpSync(path.join(root, folder), path.join(work, folder), { recursive: true, filter: (file) => !file.endsWith('.js') && !browserSide.includes(file) });
    }
    cpSync(path.join(root, 'README.md'), path.join(work, 'README.md'));
    cpSync(path.join(root, 'LICENSE'), path.join(work, 'LICENSE'));
    symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const packageInfo = path.join(work, 'functions', 'config', 'package-info.ts');
    writeFileSync(
      packageInfo,
      readFileSync(packageInfo, 'utf8').replace('fileURLToPath(import.meta.url)', '__filename').replace("import { fileURLToPath } from 'node:url';\n", ''),
    );
    const peers = Object.fromEntries(['aws-cdk-lib', 'constructs'].map((name) => [name, manifest.peerDependencies[name]]));
    writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify(
        {
          name: 'closeloop',
          version: manifest.version,
          description: manifest.description,
          license: manifest.license,
          author: { name: 'Closeloop', url: 'https://github.com/closeloop/closeloop', organization: true },
          repository: { type: 'git', url: 'https://github.com/closeloop/closeloop.git' },
          main: 'lib/api.js',
          types: 'lib/api.d.ts',
          peerDependencies: peers,
          // What the repository builds against (jsii reads the dependencies' assemblies from node_modules).
          devDependencies: Object.fromEntries(Object.keys(peers).map((name) => [name, manifest.devDependencies[name]])),
          jsii: {
            outdir: 'dist',
            versionFormat: 'short',
            targets: { python: { distName: 'closeloop', module: 'closeloop' } },
          },
        },
        null,
        2,
      ),
    );
    // Every warning fails (a name Python reserves, a missing README), but one: jsii would have the
    // devDependency equal the peer floor (2.269), while the repository builds against its own pin; the
    // floor is proven by test/infra/nag-matrix.test.ts instead.
    run('jsii', ['--fail-on-warnings', '--silence-warnings=metadata/missing-dev-dependency'], work);
    run('jsii-docgen', ['--output', path.join(work, 'API.md')], work);
    const apiMarkdown = readFileSync(path.join(work, 'API.md'), 'utf8');
    run('jsii-pacmak', ['--targets', 'python', '--code-only', '--outdir', path.join(work, 'dist')], work);
    const python = path.join(work, 'dist', 'python');
    run('python3', ['-m', 'compileall', '-q', python], work);
    const pythonFiles = (readdirSync(python, { recursive: true }) as string[]).filter((file) => file.endsWith('.py')).sort();
    const pythonModule = readFileSync(path.join(python, 'src', 'closeloop', '__init__.py'), 'utf8');
    return { apiMarkdown, pythonFiles, pythonModule };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = runJsii();
  console.log(`jsii: compiled; Python: ${result.pythonFiles.length} files generated and byte-compiled (${result.pythonFiles.join(', ')})`);
  if (process.argv.includes('--check')) {
    if (!existsSync(API_MD) || readFileSync(API_MD, 'utf8') !== result.apiMarkdown) {
      console.error('docs/API.md is stale: run `npx tsx scripts/jsii.ts` and commit it');
      process.exit(1);
    }
    console.log('docs/API.md is up to date');
  } else {
    writeFileSync(API_MD, result.apiMarkdown);
    console.log('wrote docs/API.md');
  }
}
