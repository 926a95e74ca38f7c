import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../ports.js';

/** The cold start's Secrets Manager client; endpoint and region from the standard AWS SDK settings. */
export const secretsClient = new SecretsManagerClient({});

/**
 * Secrets Manager behind the SecretStore port. Each secret is fetched once per instance (one per
 * cold start: the handler builds the store at module scope); a failed read is forgotten, so the
 * next invocation tries again instead of failing for the container's whole life.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly client: SecretsManagerClient = secretsClient) {}

  read(secretId: string): Promise<string> {
    let value = this.cache.get(secretId);
    if (!value) {
      value = this.fetch(secretId);
      this.cache.set(secretId, value);
      value.catch(() => this.cache.delete(secretId));
    }
    return value;
  }

  private async fetch(secretId: string): Promise<string> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new Error(`Secret ${secretId} has no string value`);
    return SecretString;
  }
}
