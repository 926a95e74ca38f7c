import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one DynamoDB client of a cold start, shared by every DynamoDB adapter the function uses: one
 * configuration, one connection pool, one construction. Endpoint and region come from the standard
 * AWS SDK settings. Exported for the sandbox's fault injection.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
