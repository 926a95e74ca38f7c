import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // Generous: a shared 2-core machine can be several times slower at moments. These bound a hang;
    // they are not performance assertions (those live in `npm run bench`).
    testTimeout: 90_000,
    hookTimeout: 120_000,
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
        test: { name: 'adopter', include: ['test/adopter/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 900_000 },
      },
      {
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/integration/global-setup.ts'] },
      },
    ],
  },
});
