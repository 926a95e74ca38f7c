import { surveyTable } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** The right to erasure: POST /erasures (IAM). */
export const erase = {
  description: "Erases a person's data (invitations, responses' personal fields, cases, rest periods) and suppresses the address.",
  // Under the HTTP API's 30 s integration limit, with room for two passes over a large history.
  timeoutSeconds: 29,
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['ContactErased'],
  env: ['SURVEY_TABLE'],
  // UpdateItem: the suppression record and flag, and a contact's REST#all kept with its flag.
  table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  indexes: [surveyTable.contactIndex.name],
  routes: [{ methods: ['POST'], path: '/erasures', auth: 'iam' }],
} as const satisfies StageManifest;
