import { inboxCursorSecret, pageSigningSecret, replyTokenSecret } from '../../functions/config/resources.js';
import { secretValues, startSecrets } from '../secrets.js';
import type { SandboxService } from './service.js';

/** Secrets Manager: the stack's generated secrets (random for the run) and the integrations' and their inbound hooks' (from CLOSELOOP_SECRET_<NAME>). */
export const secrets: SandboxService = {
  name: 'secrets',
  async start(run) {
    const integrationSecrets = (run.catalog.integrations ?? []).flatMap((integration) => [
      { name: integration.secret, generated: false },
      ...(integration.inbound ? [{ name: integration.inbound.secret, generated: false }] : []),
    ]);
    const running = await startSecrets(secretValues([pageSigningSecret, inboxCursorSecret, replyTokenSecret, ...integrationSecrets]));
    run.endpoints.secretsmanager = running.endpoint;
    return () => running.stop();
  },
};
