import type { StageManifest } from './manifest.js';

/** Inbound hooks: helpdesks move cases with Standard Webhooks signed requests. */
export const hooks = {
  description: 'Inbound hooks: helpdesks acknowledge and resolve cases with Standard Webhooks signed requests.',
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['InboundAccepted', 'InboundRejected'],
  env: ['SURVEY_TABLE', 'EVENT_BUS_NAME'],
  // The case transitions as the case API makes them (PutItem: a resolution reply's outbox item; and
  // the replay guard's item per webhook-id). The integrations' secrets are granted by name.
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  // Cases, their outbox items and the hooks' receipts: no other item of the table.
  leadingKeys: ['case', 'notification', 'hookReceipt'],
  routes: [{ methods: ['POST'], path: '/hooks/{integrationId}', auth: 'none' }],
} as const satisfies StageManifest;
