import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { LOCAL_REGION } from '../emulators.js';
import { startHttpApi } from '../http-api.js';
import { reportPage } from '../report-page.js';
import { stageRoutes } from '../stages.js';
import { required, type SandboxService } from './service.js';

/** The HTTP API: every stage's routes (SigV4-checked where IAM-authorised, the provider's tokens where JWT), and the sandbox's report page. */
export const http: SandboxService = {
  name: 'http',
  after: ['stages', 'oidc'],
  async start(run) {
    const store = new DynamoAggregateStore(
      required(run.resources, 'the table', 'http').tableName,
      DynamoDBDocumentClient.from(required(run.clients, 'a DynamoDB client', 'http').dynamodb),
    );
    const api = await startHttpApi({
      port: run.ports.http,
      routes: [
        ...stageRoutes(required(run.handlers, 'the handlers', 'http')),
        // Sandbox only: the HTML report of the last 90 days (in AWS, `closeloop report --html` writes the same file).
        { methods: ['GET'], path: '/report', handler: reportPage(store, run.catalog), functionName: 'closeloop-report' },
      ],
      credentials: run.credentials,
      region: LOCAL_REGION,
      instanceId: run.instanceId,
      verifyJwt: required(run.oidc, 'the OpenID provider', 'http').verify,
      report: (message) => run.log(`[sandbox] ${message}`),
    });
    run.endpoints.publicApi = api.url;
    return () => api.stop();
  },
};
