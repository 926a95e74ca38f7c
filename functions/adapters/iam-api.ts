import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** The operator API (IAM-authorised HTTP API routes): shared request and response plumbing. */

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** Who called: the IAM principal API Gateway authenticated (SigV4). */
export function actorOf(event: APIGatewayProxyEventV2): string | undefined {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string; accessKey?: string } } }).authorizer?.iam;
  return iam?.userArn ?? iam?.accessKey;
}

export const FORBIDDEN = json(403, { message: 'Forbidden: sign the request with AWS credentials (SigV4)' });

/** The JSON body (an empty body is `{}`), or undefined when it is not JSON. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  try {
    const text = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '{}';
    return JSON.parse(text || '{}');
  } catch {
    return undefined;
  }
}
