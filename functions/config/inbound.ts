import type { InboundAccess, Integration } from '../domain/integrations.js';

/** How an integration's hook requests are signed: Standard Webhooks (a webhook integration's) or Zendesk's own scheme. */
export type InboundScheme = 'standard-webhooks' | 'zendesk';

/**
 * The inbound access of an integration, if it takes hooks on `POST /hooks/{integrationId}`: a
 * webhook integration (Standard Webhooks) or a zendesk one (Zendesk's signing) that declares
 * `inbound: { secret, queues, … }` (validation refuses it on Slack). Read by the hooks construct
 * (which secrets the hooks function may read: these, and no delivery secret) and the hooks handler
 * (which integrations it answers, and how their requests are signed).
 */
export function inboundAccess(integration: Pick<Integration, 'kind' | 'inbound'>): (InboundAccess & { readonly scheme: InboundScheme }) | undefined {
  if (!integration.inbound) return undefined;
  if (integration.kind === 'webhook') return { ...integration.inbound, scheme: 'standard-webhooks' };
  if (integration.kind === 'zendesk') return { ...integration.inbound, scheme: 'zendesk' };
  return undefined;
}
