import { surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The support agents' workspace API (JWT): the inbox of my team's queues, the case page's reads and actions. Only with the construct's `workspace` prop. */
export const workspace = {
  description: "Workspace API: support agents' inbox and case actions, scoped to their teams (JWT).",
  metrics: [],
  env: ['SURVEY_TABLE', 'EVENT_BUS_NAME', 'INBOX_CURSOR_SECRET', 'WORKSPACE_ISSUER', 'WORKSPACE_CLIENT_ID'],
  optionalEnv: ['WORKSPACE_GROUPS_CLAIM', 'WORKSPACE_LOGIN_ORIGIN'],
  // PutItem: the outbox item of a reply or a resolution's, in the change's transaction; ConditionCheckItem: a reply only while the contact is not suppressed.
  // Query (and GetItem): the dashboard's day buckets and segment lists, as `closeloop report` reads them.
  // BatchGetItem and the by-contact index: the customer's earlier answers and cases on the case page.
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  indexes: [surveyTable.inboxIndex.name, surveyTable.contactIndex.name],
  routes: [
    { methods: ['GET'], path: '/api/cases', auth: 'jwt' },
    { methods: ['GET'], path: '/api/cases/{caseId}', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/acknowledge', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/assign', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/note', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/reply', auth: 'jwt' },
    { methods: ['POST'], path: '/api/cases/{caseId}/resolve', auth: 'jwt' },
    { methods: ['GET'], path: '/api/dashboard', auth: 'jwt' },
    // The pages and their assets: public shells; everything they show comes from the routes above.
    { methods: ['GET'], path: '/inbox', auth: 'none' },
    { methods: ['GET'], path: '/inbox/{caseId}', auth: 'none' },
    { methods: ['GET'], path: '/dashboard', auth: 'none' },
    { methods: ['GET'], path: '/workspace/app.js', auth: 'none' },
    { methods: ['GET'], path: '/workspace/app.css', auth: 'none' },
    { methods: ['GET'], path: '/workspace/config.json', auth: 'none' },
  ],
  onlyWith: 'workspace',
} as const satisfies StageManifest;
