import { surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The case API (IAM): teams list, read, assign, acknowledge and resolve cases. */
export const cases = {
  description: 'Case API: list, read, assign, acknowledge and resolve follow-up cases.',
  // INBOX_CURSOR_SECRET: keys the inbox's cursors (tamper-checked); a key of its own, never the pages'.
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: [],
  env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'INBOX_CURSOR_SECRET'],
  // PutItem: the outbox item of a resolution reply, in the resolve's transaction.
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  indexes: [surveyTable.inboxIndex.name],
  routes: [
    { methods: ['GET'], path: '/cases', auth: 'iam' },
    { methods: ['GET'], path: '/cases/{caseId}', auth: 'iam' },
    { methods: ['POST'], path: '/cases/{caseId}/acknowledge', auth: 'iam' },
    { methods: ['POST'], path: '/cases/{caseId}/resolve', auth: 'iam' },
    { methods: ['POST'], path: '/cases/{caseId}/assign', auth: 'iam' },
  ],
} as const satisfies StageManifest;
