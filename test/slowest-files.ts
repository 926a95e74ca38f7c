import type { Reporter, TestModule } from 'vitest/node';

/**
 * A reporter beside vitest's default one: at the end of `npm test`, the run's wall time and the ten
 * slowest test files (import, setup and tests: what a worker spent on each), so a change that makes
 * the suite slower shows where. `npm test` must stay within 8 minutes on a 2-core machine like CI's.
 */
export default class SlowestFiles implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const spent = testModules
      .map((module) => {
        const d = module.diagnostic();
        return { file: `${module.project.name}: ${module.relativeModuleId}`, ms: d.prepareDuration + d.collectDuration + d.setupDuration + d.duration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = spent.map(({ file, ms }) => `  ${seconds(ms).padStart(8)}  ${file}`);
    process.stdout.write(
      `\nSuite wall time: ${seconds(Date.now() - this.started)} (${testModules.length} files). The ten slowest files:\n${lines.join('\n')}\n`,
    );
  }
}
