import type { Integration, IntegrationKind } from '../domain/integrations.js';

/**
 * Which kinds of integration may move cases through `POST /hooks/{integrationId}`: one line per kind
 * (a new kind without its line fails the type check). Slack never: its secret is a URL to post to,
 * not a key that proves who sent a request; Zendesk neither (below). Read by the hooks construct (which secrets it may read)
 * and the hooks handler (which integrations it answers).
 */
const INBOUND_BY_KIND: Readonly<Record<IntegrationKind, boolean>> = {
  webhook: true,
  slack: false,
  // Its secret is an API credential (`<email>/token:<token>`), not a signing key; Zendesk's own webhooks
  // sign in their own scheme. A Zendesk trigger moves cases through a webhook integration's hook
  // (docs/integrations.md, "Inbound").
  zendesk: false,
};

/** The integration may call in: its kind can, and it does not say `inbound: false`. */
export function acceptsInbound(integration: Pick<Integration, 'kind' | 'inbound'>): boolean {
  return INBOUND_BY_KIND[integration.kind] && integration.inbound !== false;
}
