import os from 'node:os';
import { defineConfig } from 'vitest/config';

// The SDK's notice that its 2027 releases need Node.js ≥ 22: silenced only where it applies (a
// contributor without tools/node24, on Node 20); on Lambda's Node 24 there is nothing to silence.
const sdkNotice = Number(process.versions.node.split('.')[0]) < 22 ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } : {};

export default defineConfig({
  test: {
    env: { ...sdkNotice, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // Generous: a shared 2-core machine can be several times slower at moments. These bound a hang;
    // they are not performance assertions (those live in `npm run bench`).
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Most of the suite waits (on the emulators, the sandbox's pollers, Chromium, npm): vitest's default of
    // one worker per core but one would run the files one by one on CI's 2 cores (595 s on 2026-12-07);
    // three workers overlap the waits (296 s). The integration files share one sandbox, in the main process.
    maxWorkers: Math.max(3, os.availableParallelism()),
    reporters: ['default', './test/slowest-files.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/integration/global-setup.ts'] },
      },
      {
        extends: true,
        // Packs the tarball and installs it in a folder outside the repo: minutes, not seconds.
        test: { name: 'adopter', include: ['test/adopter/**/*.test.ts'], globalSetup: ['test/adopter/pack.ts'], testTimeout: 600_000, hookTimeout: 900_000 },
      },
      {
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/integration/global-setup.ts'] },
      },
    ],
  },
});
