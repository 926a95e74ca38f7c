import type { InboundAccess, Integration } from '../domain/integrations.js';

/**
 * The inbound access of an integration, if it takes hooks on `POST /hooks/{integrationId}`: only a
 * webhook integration that declares `inbound: { secret, queues, reply? }` (validation refuses it on
 * Slack and Zendesk). Read by the hooks construct (which secrets the hooks function may read: these,
 * and no delivery secret) and the hooks handler (which integrations it answers).
 */
export function inboundAccess(integration: Pick<Integration, 'kind' | 'inbound'>): InboundAccess | undefined {
  return integration.kind === 'webhook' && integration.inbound ? integration.inbound : undefined;
}
