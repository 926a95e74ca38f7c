import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];
let synthesized: Template | undefined;
/** One synth for both tests (a busy machine takes seconds for it). */
const template = () => (synthesized ??= Template.fromStack(testStack(testApp())));

describe('docs/openapi.json and the HTTP API the stack creates', () => {
  it('documents every route of the synthesized template, and no route the template lacks', () => {
    const routes = Object.values(template().findResources('AWS::ApiGatewayV2::Route')).map((resource) => resource.Properties.RouteKey as string);
    const openapi = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(routes.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...new Set(routes)].sort());
  });

  it('marks exactly the IAM-authorised routes as needing a SigV4 signature', () => {
    const iam = Object.values(template().findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => r.Properties.AuthorizationType === 'AWS_IAM')
      .map((r) => r.Properties.RouteKey as string);
    const openapi = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    };
    const signed = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method, operation]) => METHODS.includes(method) && operation.security?.some((scheme) => 'sigv4' in scheme))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(signed.sort()).toEqual(iam.sort());
  });
});
