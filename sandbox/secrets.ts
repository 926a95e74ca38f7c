import { randomBytes } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import { LOCAL_REGION } from './emulators.js';
import { guard, listenOnLoopback, readBody } from './guard.js';

/** A secret the stack declares (functions/config/resources.ts). */
export interface DeclaredSecret {
  readonly name: string;
  /** The stack generates its value: the sandbox makes a random one when the environment gives none. */
  readonly generated: boolean;
}

/** `CLOSELOOP_SECRET_<NAME>`: the secret's name upper-cased, each character outside A–Z and 0–9 replaced by `_`. */
export function secretVariable(name: string): string {
  return `CLOSELOOP_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The values the sandbox serves: each from its `CLOSELOOP_SECRET_<NAME>` variable, else, for a
 * secret the stack generates, 32 random bytes (base64url, 43 characters) new at every start.
 */
export function secretValues(secrets: readonly DeclaredSecret[], env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  return new Map(
    secrets.map((secret) => {
      const given = env[secretVariable(secret.name)];
      if (given) return [secret.name, given];
      if (!secret.generated) throw new Error(`Set ${secretVariable(secret.name)}: the sandbox cannot make up the secret "${secret.name}"`);
      return [secret.name, randomBytes(32).toString('base64url')];
    }),
  );
}

export interface RunningSecrets {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Secrets Manager's GetSecretValue, locally, over its JSON 1.1 protocol, so the handlers'
 * `@aws-sdk/client-secrets-manager` works unchanged (found through AWS_ENDPOINT_URL_SECRETS_MANAGER).
 * Loopback only, on a port of its own choosing; it answers only Host 127.0.0.1 or localhost.
 */
export async function startSecrets(values: ReadonlyMap<string, string>): Promise<RunningSecrets> {
  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  const server = http.createServer(
    guard(
      'Secrets Manager endpoint',
      async (request, response) => {
        const body = await readBody(request, MAX_REQUEST_BYTES);
        if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
          return send(response, 400, {
            __type: 'InvalidRequestException',
            message: `The sandbox serves GetSecretValue only, not ${request.headers['x-amz-target']}.`,
          });
        }
        let secretId: unknown;
        try {
          secretId = (JSON.parse(body.toString('utf8') || '{}') as { SecretId?: unknown } | null)?.SecretId;
        } catch {
          return send(response, 400, { __type: 'InvalidRequestException', message: 'The request body is not JSON.' });
        }
        const value = typeof secretId === 'string' ? values.get(secretId) : undefined;
        if (value === undefined)
          return send(response, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return send(response, 200, {
          ARN: `arn:aws:secretsmanager:${LOCAL_REGION}:000000000000:secret:${secretId as string}`,
          Name: secretId,
          SecretString: value,
          VersionId: 'sandbox',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        });
      },
      {
        errorBody: (status, message) => ({
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: JSON.stringify({ __type: status === 421 ? 'AccessDeniedException' : 'InternalServiceError', message }),
        }),
      },
    ),
  );
  const listening = await listenOnLoopback(server, 0);
  return { endpoint: `http://127.0.0.1:${listening.port}`, stop: listening.stop };
}
