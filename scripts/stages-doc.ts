import { ENV } from '../functions/config/env.js';
import type { StageManifest, Trigger } from '../functions/config/stages/manifest.js';
import { STAGES, WIRING } from '../functions/config/wiring.js';

export const STAGES_START = '<!-- stages: generated from functions/config/stages/ by `npm run schemas` -->';
export const STAGES_END = '<!-- /stages -->';

function describeTrigger(trigger: Trigger | undefined): string {
  switch (trigger?.kind) {
    case 'queue':
      return `queue \`${trigger.queue}\`, batches of ${trigger.batchSize}${trigger.maxConcurrency ? ', concurrency from the SES rate' : ''}`;
    case 'stream':
      return `table stream, batches of ${trigger.batchSize}, ${trigger.retryAttempts} retries → \`${trigger.failureQueue}\``;
    case 'schedule':
      return `every ${trigger.rateMinutes} min, failures → \`${trigger.failureQueue}\``;
    default:
      return '—';
  }
}

/** The table of stages in docs/contributing.md, from the manifests. */
export function stagesTable(): string {
  const rows = STAGES.map((stage) => {
    const manifest: StageManifest = WIRING[stage];
    const routes = (manifest.routes ?? []).map((route) => `${route.methods.join('/')} \`${route.path}\`${route.auth === 'iam' ? ' (IAM)' : ''}`);
    const variables = [...manifest.env, ...(manifest.optionalEnv ?? []).map((key) => `${key}?`)].map(
      (key) => ENV[key.replace(/\?$/, '') as keyof typeof ENV] + (key.endsWith('?') ? '?' : ''),
    );
    const table = manifest.table.map((action) => action.replace('dynamodb:', '')).concat((manifest.indexes ?? []).map((index) => `Query ${index}`));
    return `| \`${stage}\` | ${describeTrigger(manifest.trigger)} | ${routes.join('<br>') || '—'} | ${manifest.timeoutSeconds ?? 30} s | ${table.join(', ')} | ${variables.map((name) => `\`${name}\``).join(' ')} |`;
  });
  return [
    STAGES_START,
    '',
    '| stage | trigger | routes | timeout | table | environment (`?`: optional) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    STAGES_END,
  ].join('\n');
}

/** docs/contributing.md with its table of stages regenerated. */
export function withStagesTable(contributing: string): string {
  const start = contributing.indexOf(STAGES_START);
  const end = contributing.indexOf(STAGES_END);
  if (start < 0 || end < start) throw new Error(`docs/contributing.md has no "${STAGES_START}" … "${STAGES_END}" block`);
  return contributing.slice(0, start) + stagesTable() + contributing.slice(end + STAGES_END.length);
}
