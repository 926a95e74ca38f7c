import { DynamoCaseRepository } from '../adapters/dynamo-case-repository.js';
import { EventBridgePublisher } from '../adapters/eventbridge.js';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store.js';
import { followUpQueueNames } from '../config/resources.js';
import { publishedEventTypes } from '../domain/integration-events.js';
import type { Catalog } from '../domain/program.js';
import type { CaseApiDeps } from './http.js';
import { InboxCursors } from './inbox.js';

/** What the case API and the workspace API work cases with, from their stage's variables (one cold start builds it once). */
export function caseApiDeps(
  catalog: Catalog,
  env: { readonly SURVEY_TABLE: string; readonly EVENT_BUS_NAME: string; readonly INBOX_CURSOR_SECRET: string },
): CaseApiDeps {
  const cases = new DynamoCaseRepository(env.SURVEY_TABLE);
  // The store reads the secret once per cold start (and again only after a failed read).
  const secrets = new SecretsManagerSecretStore();
  return {
    catalog,
    cases,
    inbox: cases,
    cursors: async () => new InboxCursors(await secrets.read(env.INBOX_CURSOR_SECRET)),
    queues: followUpQueueNames(catalog),
    events: new EventBridgePublisher(env.EVENT_BUS_NAME, publishedEventTypes(catalog)),
    now: () => new Date(),
  };
}
