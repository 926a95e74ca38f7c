import http from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../functions/adapters/secrets-manager-secret-store.js';
import { pageSigningSecret } from '../../functions/config/resources.js';
import { type RunningSecrets, secretValues, secretVariable, startSecrets } from '../../sandbox/secrets.js';

describe("the sandbox's secrets", () => {
  it.each([
    ['page-signing-key', 'CLOSELOOP_SECRET_PAGE_SIGNING_KEY'],
    ['shopify.webhook/v2', 'CLOSELOOP_SECRET_SHOPIFY_WEBHOOK_V2'],
    ['Ä1', 'CLOSELOOP_SECRET__1'],
  ])('are taken from %s → %s', (name, variable) => {
    expect(secretVariable(name)).toBe(variable);
  });

  it("uses the environment's value, else a random one of its own for a generated secret, else refuses to start", () => {
    const given = secretValues([pageSigningSecret], { CLOSELOOP_SECRET_PAGE_SIGNING_KEY: 'from-the-environment-0123456789abcdef' });
    expect(given.get('page-signing-key')).toBe('from-the-environment-0123456789abcdef');

    const first = secretValues([pageSigningSecret], {}).get('page-signing-key')!;
    const second = secretValues([pageSigningSecret], {}).get('page-signing-key')!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);

    expect(() => secretValues([{ name: 'webhook', generated: false }], {})).toThrow('CLOSELOOP_SECRET_WEBHOOK');
  });

  describe('served as Secrets Manager', () => {
    let running: RunningSecrets;
    let store: SecretsManagerSecretStore;
    beforeAll(async () => {
      running = await startSecrets(new Map([['page-signing-key', 'the-sandbox-key']]));
      // The way the handlers find it: the standard service-specific endpoint variable.
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = running.endpoint;
      store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    });
    afterAll(async () => {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      await running?.stop();
    });

    it("answers GetSecretValue through the handlers' adapter, and ResourceNotFound for an unknown secret", async () => {
      expect(await store.read('page-signing-key')).toBe('the-sandbox-key');
      await expect(store.read('nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('answers only loopback Host names (a DNS-rebinding page cannot read the key)', async () => {
      const status = (host: string) =>
        new Promise<number | undefined>((resolve, reject) => {
          const request = http.request(running.endpoint, { method: 'POST', headers: { host, 'x-amz-target': 'secretsmanager.GetSecretValue' } }, (response) => {
            response.resume();
            resolve(response.statusCode);
          });
          request.on('error', reject);
          request.end('{"SecretId":"page-signing-key"}');
        });
      expect(await status('evil.example')).toBe(421);
      expect(await status(new URL(running.endpoint).host)).toBe(200);
    });
  });
});
