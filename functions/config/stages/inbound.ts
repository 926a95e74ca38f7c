import { inboundFailureQueue } from '../resources.js';
import type { StageManifest } from './manifest.js';

/** Customers' replies by email (`inbound`): SES stores each message, then invokes the stage, which appends it to its case. */
export const inbound = {
  description: "Appends customers' email replies to their cases (SES receipt rule: S3, then this function), loop-guarded, once per Message-ID.",
  /** The metric names it emits (namespace Closeloop, unit Count): the dashboard and alarms read only these. */
  metrics: ['CustomerReplyRecorded', 'InboundMailIgnored', 'InboundMailDropped'],
  env: ['SURVEY_TABLE', 'SENDER_EMAIL', 'INBOUND_DOMAIN', 'INBOUND_BUCKET', 'REPLY_TOKEN_SECRET', 'EVENT_BUS_NAME'],
  // The case read and its conditional update (the reply appended), with the assignee's outbox item in the same transaction when there is one.
  table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'],
  leadingKeys: ['case', 'notification'],
  trigger: { kind: 'mail', failureQueue: inboundFailureQueue.name, retryAttempts: 2, maxEventAgeMinutes: 360 },
  onlyWith: 'inbound',
} as const satisfies StageManifest;
