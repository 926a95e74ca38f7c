import { adminTeamOf, teamsOf } from '../../functions/domain/teams.js';
import { sandboxAgents, startOidcProvider } from '../oidc.js';
import type { SandboxService } from './service.js';

/** The workspace's OpenID provider on 127.0.0.1, with one agent per catalog team and an admin. */
export const oidc: SandboxService = {
  name: 'oidc',
  async start(run) {
    const agents = sandboxAgents(Object.keys(teamsOf(run.catalog)), adminTeamOf(run.catalog));
    const provider = await startOidcProvider({ port: run.ports.oidc, agents, redirectUris: [`http://127.0.0.1:${run.ports.http}/inbox`] });
    run.oidc = provider;
    run.agents = agents;
    run.endpoints.oidc = provider.issuer;
    return () => provider.stop();
  },
};
