import { surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The support agents' workspace API (JWT): the inbox of my team's queues, the case page's reads and actions. Only with the construct's `workspace` prop. */
export const workspace = {
  description: "Workspace API: support agents' inbox and case actions, scoped to their teams (JWT).",
  metrics: [],
  env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'INBOX_CURSOR_SECRET'],
  optionalEnv: ['WORKSPACE_GROUPS_CLAIM'],
  // PutItem: the outbox item of a resolution reply, in the resolve's transaction (as the case API).
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  indexes: [surveyTable.inboxIndex.name],
  routes: [
    { methods: ['GET'], path: '/api/cases', auth: 'jwt' },
    { methods: ['GET'], path: '/api/cases/{caseId}', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/acknowledge', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/assign', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/note', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/resolve', auth: 'jwt' },
  ],
  onlyWith: 'workspace',
} as const satisfies StageManifest;
