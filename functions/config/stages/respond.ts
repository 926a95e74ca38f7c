import type { StageManifest } from './manifest.js';

/** The rating and unsubscribe pages: GET shows, POST records. */
export const respond = {
  description: 'Rating pages: GET shows the form (never writes), POST records the response.',
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['RatingSubmitted', 'RatingConfirmationShown', 'Unsubscribed', 'InvalidLink', 'RespondUnavailable'],
  env: ['SURVEY_TABLE', 'SUPPORT_EMAIL', 'PUBLIC_BASE_URL', 'PAGE_SIGNING_SECRET'],
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  // The invitation, the contact's suppression and rest, and an unsubscribe link it looks up: no other item.
  leadingKeys: ['invitation', 'contact', 'unsubscribeLink'],
  routes: [
    { methods: ['GET', 'HEAD', 'POST'], path: '/r/{token}', auth: 'none' },
    { methods: ['GET', 'HEAD', 'POST'], path: '/u/{token}', auth: 'none' },
  ],
} as const satisfies StageManifest;
