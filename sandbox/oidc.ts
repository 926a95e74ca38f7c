import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml } from '../functions/domain/html.js';
import { guard } from './guard.js';

/** A workspace member the sandbox's provider knows: what sandbox.json's `agents` lists. */
export interface SandboxAgent {
  readonly email: string;
  readonly password: string;
  readonly team: string;
}

/** The workspace's client at the sandbox's provider (public: PKCE, no secret), as Cognito's app client is in AWS. */
export const SANDBOX_WORKSPACE_CLIENT = 'closeloop-workspace';

/** The claim carrying the member's groups, named as Cognito names it, so the handlers' default reads it. */
const GROUPS_CLAIM = 'cognito:groups';

export interface OidcProviderOptions {
  readonly port: number;
  readonly agents: readonly SandboxAgent[];
  /** Where the provider may send the browser back with a code (the workspace's pages). */
  readonly redirectUris: readonly string[];
}

export interface RunningOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  /** Checks a bearer token as API Gateway's JWT authorizer does: signature (JWKS), issuer, audience, expiry; the claims or undefined. */
  verify(token: string): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();
const passwordMatches = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/** The login page: a plain form, its own strict CSP (no script at all), nothing from elsewhere. */
function loginPage(uid: string, message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Closeloop sandbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}label{display:block;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;background:#1f4e79;color:#fff;border:0;border-radius:4px}
p[role=alert]{color:#a4262c}</style></head>
<body><main><h1>Sign in to the workspace</h1>
<p>Closeloop sandbox: the agents and their passwords are in <code>.sandbox/sandbox.json</code>.</p>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

async function formBody(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('the form is too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The provider's pages' CSP: no script, nothing from elsewhere. A form's answer redirects back to the
 * workspace, and browsers check form-action on redirects too: its origins are allowed as targets.
 */
const pagePolicy = (formTargets: string) =>
  `default-src 'none'; style-src 'unsafe-inline'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`;

/** The sign-out confirmation (oidc-provider's own loads a font from Google): its form, one button. */
const logoutPage = (form: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign out · Closeloop sandbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}button{padding:.6rem 1.2rem;font:inherit;background:#1f4e79;color:#fff;border:0;border-radius:4px}</style></head>
<body><main><h1>Sign out of the workspace?</h1>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></main></body></html>`;

/**
 * A certified OpenID provider (`oidc-provider`) on 127.0.0.1 for the sandbox's workspace: authorization
 * code with PKCE for one public client, ID tokens carrying `email` and the member's groups. Its login
 * checks the passwords the sandbox made for its agents (never the library's development login, which
 * accepts anyone); consent is implied for the one first-party client.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const policy = pagePolicy(["'self'", ...new Set(options.redirectUris.map((uri) => new URL(uri).origin))].join(' '));
  const send = (response: ServerResponse, status: number, html: string) => {
    response.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': policy,
      'x-content-type-options': 'nosniff',
    });
    response.end(html);
  };
  const byEmail = new Map(options.agents.map((agent) => [agent.email.toLowerCase(), agent]));
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
  const configuration: Configuration = {
    clients: [
      {
        client_id: SANDBOX_WORKSPACE_CLIENT,
        token_endpoint_auth_method: 'none',
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    // The workspace's pages call the token endpoint from their own origin (a redirect URI's).
    clientBasedCORS: (_ctx, origin, client) => (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.set('content-security-policy', policy);
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.set('content-security-policy', policy);
          ctx.body = '<!doctype html><html lang="en"><title>Signed out</title><main><h1>Signed out.</h1></main></html>';
        },
      },
    },
    scopes: ['openid', 'email'],
    // As Cognito does: the groups with `openid`, the address with `email`.
    claims: { openid: ['sub', GROUPS_CLAIM], email: ['email', 'email_verified'] },
    // The ID token carries the claims (API Gateway passes the token's claims; there is no userinfo call).
    conformIdTokenClaims: false,
    ttl: { IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const agent = byEmail.get(id);
      if (!agent) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: agent.email, email_verified: true, [GROUPS_CLAIM]: [agent.team] }) };
    },
    // The workspace is the provider's only client, first-party: what it asks for is granted.
    loadExistingGrant: async (ctx) => {
      const { session, client } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email');
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.set('content-security-policy', policy);
      ctx.body = `<!doctype html><title>Sign-in error</title><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  // As every sandbox server: loopback Host names only (DNS rebinding), no cross-site form posts but the workspace's token calls.
  const workspaceOrigins = [...new Set(options.redirectUris.map((uri) => new URL(uri).origin))];
  const listener = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', issuer);
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (!interaction) return callback(request, response);
    try {
      const details = await provider.interactionDetails(request, response);
      if (details.uid !== interaction[1]) return send(response, 400, loginPage(details.uid, 'This sign-in expired: start again.'));
      if (request.method === 'GET' && !interaction[2]) return send(response, 200, loginPage(details.uid));
      if (request.method !== 'POST' || !interaction[2]) return send(response, 405, loginPage(details.uid));
      const form = await formBody(request);
      const agent = byEmail.get(
        String(form.get('email') ?? '')
          .trim()
          .toLowerCase(),
      );
      if (!agent || !passwordMatches(String(form.get('password') ?? ''), agent.password)) {
        return send(response, 401, loginPage(details.uid, 'Wrong email or password.'));
      }
      await provider.interactionFinished(request, response, { login: { accountId: agent.email.toLowerCase() } }, { mergeWithLastSubmission: false });
    } catch {
      send(response, 400, '<!doctype html><title>Sign-in error</title><p>This sign-in expired or is unknown: start again from the workspace.</p>');
    }
  };
  server.on('request', guard('OpenID provider', listener, { allowedOrigins: workspaceOrigins }));
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  return {
    issuer,
    clientId: SANDBOX_WORKSPACE_CLIENT,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer, audience: SANDBOX_WORKSPACE_CLIENT, algorithms: ['RS256'] });
        return payload as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One agent per team and one admin, each with a random password (written to sandbox.json, mode 600). */
export function sandboxAgents(teams: readonly string[], adminTeam: string): SandboxAgent[] {
  const password = () => randomBytes(12).toString('base64url');
  return [
    ...teams.filter((team) => team !== adminTeam).map((team) => ({ email: `${team}.agent@example.com`, password: password(), team })),
    { email: 'admin@example.com', password: password(), team: adminTeam },
  ];
}
