import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { detractorCase } from '../fixtures/cases.js';
import { signIn } from '../fixtures/workspace-sign-in.js';
import { sandbox } from './sandbox-clients.js';

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);
const provider = { issuer: sandbox.endpoints.oidc, clientId: sandbox.workspaceClientId, redirectUri: `${sandbox.publicBaseUrl}/inbox` };
const agentOf = (team: string) => {
  const agent = sandbox.agents.find((candidate) => candidate.team === team);
  if (!agent) throw new Error(`the sandbox has no agent of team ${team}`);
  return agent;
};
const api = async (token: string | undefined, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sandbox.endpoints.publicApi}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const idToken = async (team: string) => {
  const result = await signIn(provider, agentOf(team));
  if (!('idToken' in result)) throw new Error(`${team}'s agent was refused: ${result.refused}`);
  return result.idToken;
};

describe('the workspace API in the sandbox, signed in through its OpenID provider', () => {
  let caseId: string;
  let earlierCaseId: string;
  let success: string;
  let support: string;

  beforeAll(async () => {
    // A detractor's case on customer-success, opened as the rules stage opens one.
    // Two of one customer's cases, a day apart: the second's page lists the first.
    const contactKey = `workspace-contact-${randomUUID()}`;
    const earlier = { ...detractorCase(new Date(Date.now() - 86_400_000), `workspace-${randomUUID()}`), contactKey };
    const record = { ...detractorCase(new Date(), `workspace-${randomUUID()}`), contactKey };
    const repository = new DynamoCaseRepository(sandbox.tables.surveys, documents);
    await repository.open(earlier);
    await repository.open(record);
    earlierCaseId = earlier.message.caseId;
    caseId = record.message.caseId;
    [success, support] = await Promise.all([idToken('customer-success'), idToken('support')]);
  });

  it('lists one agent per team and an admin in sandbox.json, each able to sign in; a wrong password is refused by the form', async () => {
    expect(sandbox.agents.map((agent) => agent.team).sort()).toEqual(['customer-success', 'cx-admin', 'support', 'team-leads']);
    const refused = await signIn(provider, { email: agentOf('support').email, password: 'not-the-password' });
    expect(refused).toMatchObject({ refused: 401 });
    expect('page' in refused && refused.page).toContain('Wrong email or password.');
  });

  it('works the case for its team: reads it, acknowledges with the version shown; the actor is the agent’s email', async () => {
    const shown = await api(success, 'GET', `/api/cases/${caseId}`);
    expect(shown.status).toBe(200);
    // The customer's earlier case, from the by-contact index (opened a day ago: past its acknowledge-by, so the sweep may have escalated it).
    expect(shown.body.earlier).toEqual([
      expect.objectContaining({
        kind: 'case',
        caseId: earlierCaseId,
        status: expect.stringMatching(/^(open|escalated)$/),
        queue: 'customer-success',
        score: 2,
      }),
    ]);
    const acknowledged = await api(success, 'POST', `/api/cases/${caseId}/acknowledge`, { expectedVersion: shown.body.version });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.case.history.at(-1)).toMatchObject({ action: 'acknowledged', actor: agentOf('customer-success').email });
    const listed = await api(success, 'GET', '/api/cases?queue=customer-success&status=acknowledged&limit=100');
    expect(listed.body.items.map((item: { caseId: string }) => item.caseId)).toContain(caseId);
  });

  it('another team cannot see it in the list nor open it (403), and nothing changes', async () => {
    const listed = await api(support, 'GET', '/api/cases?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { caseId: string }) => item.caseId)).not.toContain(caseId);
    expect((await api(support, 'GET', `/api/cases/${caseId}`)).status).toBe(403);
    const before = (await api(success, 'GET', `/api/cases/${caseId}`)).body.version;
    expect((await api(support, 'POST', `/api/cases/${caseId}/note`, { expectedVersion: before, note: 'mine now' })).status).toBe(403);
    expect((await api(success, 'GET', `/api/cases/${caseId}`)).body.version).toBe(before);
  });

  it('refuses a request without a token, with a tampered one (groups changed) and with one signed by another key (401)', async () => {
    expect((await api(undefined, 'GET', '/api/cases')).status).toBe(401);
    const [header, payload, signature] = success.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['cx-admin'] })).toString('base64url')}.${signature}`;
    expect((await api(tampered, 'GET', '/api/cases')).status).toBe(401);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const forged = await new SignJWT({ ...claims, 'cognito:groups': ['cx-admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: (await exportJWK(privateKey)).kid ?? 'forged' })
      .sign(privateKey);
    expect((await api(forged, 'GET', '/api/cases')).status).toBe(401);
  });
});
