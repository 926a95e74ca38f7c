import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EdgeProtection, type EdgeProtectionOptions } from './edge-protection.js';
import { generatedKey } from './keys.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

/** Every route of the stage, per second (the case API and erasure included): ample for people, a cap on what a flood costs. */
export const STAGE_THROTTLE = { rate: 100, burst: 200 } as const;

/**
 * Tighter limits on the public routes that write: a person answers a survey with one GET and one
 * POST, and unsubscribes once; a helpdesk moves a case with one signed POST. Reading stays at the
 * stage's limit.
 */
export const PUBLIC_ROUTE_THROTTLE: Readonly<Record<string, { rate: number; burst: number }>> = {
  'POST /r/{token}': { rate: 50, burst: 100 },
  'GET /u/{token}': { rate: 20, burst: 40 },
  'HEAD /u/{token}': { rate: 20, burst: 40 },
  'POST /u/{token}': { rate: 20, burst: 40 },
  'POST /hooks/{integrationId}': { rate: 20, burst: 40 },
};

export interface ResponsesProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly supportEmail: string;
  /** @default the distribution's URL with `edge`, else the API's own URL */
  readonly publicBaseUrl?: string;
  /** Put CloudFront and an AWS WAF web ACL in front of the API. @default undefined (the API is the edge) */
  readonly edge?: EdgeProtectionOptions;
}

/**
 * The public edge: rating (`/r/`) and unsubscribe (`/u/`) pages behind an HTTP API, optionally behind
 * CloudFront and AWS WAF. GET shows, POST records.
 */
export class Responses extends Construct {
  readonly api: HttpApi;
  readonly function: StageFunction;
  readonly publicBaseUrl: string;
  /** The generated key that signs the pages' render times (domain/page-stamp.ts); only the respond function may read it. */
  readonly pageSigningKey: Secret;
  /** CloudFront and the web ACL, when `edge` was given. */
  readonly edge?: EdgeProtection;

  constructor(scope: Construct, id: string, props: ResponsesProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'Closeloop: the rating and unsubscribe pages and inbound hooks (public), the case, erasure, replay, announcement and digest routes (IAM)',
    });
    // The links (and the pages' form actions) must point at the protected edge, or respondents would bypass it.
    if (props.edge) this.edge = new EdgeProtection(this, 'Edge', { api: this.api, ...props.edge });
    this.publicBaseUrl = props.publicBaseUrl ?? this.edge?.url ?? this.api.apiEndpoint;

    this.pageSigningKey = generatedKey(
      this,
      'PageSigningKey',
      'Closeloop: HMAC key that signs the render time of the rating and unsubscribe pages (evidence of a person, not of a scanner)',
      'The page key only signs render times of pages open for minutes: a leak lets a forger fake time on the page, nothing more. ' +
        'Rotate it by hand (put a new random value; functions use it from their next cold start, pages then open ask for one confirmation); ' +
        'a rotation Lambda would cost more than it protects. See docs/security.md.',
    );

    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'respond',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        SUPPORT_EMAIL: props.supportEmail,
        PUBLIC_BASE_URL: this.publicBaseUrl,
        PAGE_SIGNING_SECRET: this.pageSigningKey.secretArn,
      },
    });
    this.pageSigningKey.grantRead(this.function);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by the HTTP API only: the browser gets the error page; there is no asynchronous event to keep.',
    });

    const routes = this.function.serveRoutes(this.api, 'Respond');

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // No query string, path or body: the path holds the link token, the body the respondent's words.
      // No IP address or user agent either: they are respondents' personal data, which erasure cannot reach in logs.
      format: JSON.stringify({
        requestId: '$context.requestId',
        method: '$context.httpMethod',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        time: '$context.requestTime',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: STAGE_THROTTLE.burst, throttlingRateLimit: STAGE_THROTTLE.rate };
    // RouteSettings is a raw JSON property in CloudFormation's schema: CDK passes it through, so its keys are CloudFormation's.
    stage.routeSettings = Object.fromEntries(
      Object.entries(PUBLIC_ROUTE_THROTTLE).map(([routeKey, limit]) => [routeKey, { ThrottlingBurstLimit: limit.burst, ThrottlingRateLimit: limit.rate }]),
    );
    // Route settings name routes by key: the stage is deployed after them.
    for (const route of routes) stage.node.addDependency(route);
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Rating links are opened by email recipients without accounts; the unguessable token in the path is the authorisation.',
    });
  }
}
