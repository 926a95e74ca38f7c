import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../functions/adapters/secrets-manager-secret-store.js';

const secretsManager = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-signing-key-AbCdEf';

describe('SecretsManagerSecretStore', () => {
  beforeEach(() => secretsManager.reset());

  it('reads a secret once and serves it from memory after that, concurrent first reads included', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'the-key' });
    const store = new SecretsManagerSecretStore();

    expect(await Promise.all([store.read(ARN), store.read(ARN)])).toEqual(['the-key', 'the-key']);
    expect(await store.read(ARN)).toBe('the-key');

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it("tries again on the next read after a failed one, instead of failing for the rest of the container's life", async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'the-key' });
    const store = new SecretsManagerSecretStore();

    await expect(store.read(ARN)).rejects.toThrow('Rate exceeded');
    expect(await store.read(ARN)).toBe('the-key');
    expect(await store.read(ARN)).toBe('the-key');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('refuses a secret without a string value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    await expect(new SecretsManagerSecretStore().read(ARN)).rejects.toThrow(/no string value/);
  });
});
