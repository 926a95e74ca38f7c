import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import type { HttpApi, HttpMethod, HttpRoute, IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, type FunctionProps, Function as LambdaFunction, type Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../functions/config/env.js';
import { METRICS_NAMESPACE } from '../../functions/config/metrics.js';
import { packageRoot } from '../../functions/config/package-info.js';
import { RUNTIME_CATALOG_FILE } from '../../functions/config/runtime-catalog.js';
import type { MailTrigger, QueueTrigger, ScheduleTrigger, StageManifest, StreamTrigger } from '../../functions/config/stages/manifest.js';
import { type Stage, type StageEnvironment, stageVariables, WIRING } from '../../functions/config/wiring.js';
import type { Catalog } from '../../functions/domain/program.js';
import { acknowledgeDefaultRuntime } from './nag.js';
import { grantIndexQuery, grantItemActions } from './survey-store.js';

/** What every function of one Closeloop gets alike. */
export interface FunctionDefaults {
  /** The validated catalog the functions run with: placed beside each handler as catalog.json. */
  readonly catalog: Catalog;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
  /** The `service` dimension of this instance's metrics (unique per instance in an account). */
  readonly metricsService: string;
  /** Every function's Lambda runtime (the `runtime` prop). */
  readonly runtime: Runtime;
  /** The runtime is the default one (cdk-nag's latest-runtime rules acknowledged when the library knows a newer one). */
  readonly runtimeIsDefault: boolean;
}

export interface StageFunctionProps<S extends Stage>
  extends Omit<FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture' | 'tracing' | 'environment' | 'description' | 'timeout' | 'deadLetterQueue'> {
  /**
   * The stage, e.g. 'dispatch': its pre-built handler (dist/functions/<stage>) is the code, its manifest
   * (functions/config/stages/<stage>.ts) the description, timeout, environment, grants, routes and trigger.
   */
  readonly stage: S;
  /** One value per variable the stage's manifest requires (by key, e.g. `SURVEY_TABLE`), and no other. */
  readonly environment: StageEnvironment<S>;
  /** The survey table: the function gets exactly the item actions and index queries its manifest declares. */
  readonly table: ITableV2;
  readonly defaults: FunctionDefaults;
  /** A scheduled stage's failure queue: the function's dead-letter queue for asynchronous invocations that kept failing. */
  readonly deadLetterQueue?: IQueue;
  /** @default 256 MB */
  readonly memorySize?: number;
}

/** The role tag the bus policy requires of whoever puts `source: closeloop` events (its value `true`). */
export const PUBLISHER_TAG = 'closeloop:publisher';

/**
 * Every stage's health, alarmed by StageFunction itself so a later stage has it too (thresholds in
 * docs/operations.md, "Alarms"): errors and throttles of its function over five minutes, and for a
 * stream stage the age of the oldest record it has not read.
 */
export const HEALTH = {
  /** Invocations that failed (a batch handler reports single records as partial failures: these are whole invocations). */
  errors: { threshold: 5, minutes: 5 },
  throttles: { threshold: 5, minutes: 5 },
  /** A stream stage this far behind is stuck or too slow: records expire after 24 h. */
  iteratorAgeMinutes: 15,
} as const;

/** The tag every stage's function, role and log group carry, its value the stage's name (e.g. `closeloop:stage` = `rules`). */
export const STAGE_TAG = 'closeloop:stage';

/**
 * Where the package keeps a stage's pre-built handler: dist/functions/<stage>/index.js in the
 * repository (`npm run build`), its Brotli-compressed copy index.js.br in the installed package (a
 * quarter of the size; synth writes it out again, byte for byte).
 */
export function prebuiltHandler(stage: string): { readonly file: string; read(): Buffer } {
  const dir = path.join(packageRoot(), 'dist', 'functions', stage);
  const plain = path.join(dir, 'index.js');
  if (existsSync(plain)) return { file: plain, read: () => readFileSync(plain) };
  const compressed = `${plain}.br`;
  if (existsSync(compressed)) return { file: compressed, read: () => brotliDecompressSync(readFileSync(compressed)) };
  throw new Error(
    `Closeloop: the pre-built handler of "${stage}" is missing (${plain}). In the closeloop repository, run \`npm run build\`; an installed package ships it.`,
  );
}

/**
 * A stage's Lambda function, built from its manifest, with the house defaults: the `runtime` prop
 * (Node.js 24 unless set), arm64, the pre-built handler (no esbuild or Docker at synth) with the validated catalog
 * beside it, a log group kept one month, and X-Ray active tracing only when asked for. Its trigger
 * comes from the manifest too: `consume` (a queue), `readStream` (the table's stream), `runOnSchedule`.
 */
export class StageFunction<S extends Stage = Stage> extends LambdaFunction {
  readonly stage: S;
  readonly manifest: StageManifest;
  /** Its health alarms (errors, throttles; for a stream stage, iterator age): the construct's alarm actions reach them. */
  readonly healthAlarms: Alarm[] = [];
  /** Where its alarms are made (beside the function, as its log group and role). */
  private healthScope: { readonly scope: Construct; readonly id: string };

  constructor(scope: Construct, id: string, props: StageFunctionProps<S>) {
    const { stage, defaults, table, environment, ...rest } = props;
    const manifest: StageManifest = WIRING[stage];
    const schedule = manifest.trigger?.kind === 'schedule' ? manifest.trigger : undefined;
    if (schedule && !props.deadLetterQueue) throw new Error(`Closeloop: the ${stage} stage runs on a schedule and needs its failure queue (deadLetterQueue)`);
    const handler = prebuiltHandler(stage);
    const catalogJson = JSON.stringify(defaults.catalog);
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      ...rest,
      description: manifest.description,
      ...(schedule ? { deadLetterQueue: props.deadLetterQueue, reservedConcurrentExecutions: schedule.reservedConcurrency } : {}),
      role,
      // "Bundling" is a copy plus the catalog, done locally at synth; the asset hash is the output's,
      // so another catalog is another asset (and a function update on deploy).
      code: Code.fromAsset(path.dirname(handler.file), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('closeloop-needs-no-docker'),
          local: {
            tryBundle(outputDir: string) {
              writeFileSync(path.join(outputDir, 'index.js'), handler.read());
              writeFileSync(path.join(outputDir, RUNTIME_CATALOG_FILE), catalogJson);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      runtime: defaults.runtime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(manifest.timeoutSeconds ?? 30),
      tracing: defaults.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: `closeloop-${stage}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        [ENV.RUNTIME_CATALOG]: RUNTIME_CATALOG_FILE,
        [ENV.METRICS_SERVICE]: defaults.metricsService,
        ...stageVariables(stage, environment),
      },
    });
    this.stage = stage;
    this.manifest = manifest;
    const health = (suffix: string, description: string, metric: ReturnType<LambdaFunction['metricErrors']>, threshold: number) =>
      this.healthAlarms.push(
        new Alarm(scope, `${id}${suffix}`, {
          alarmDescription: `${description} (the ${stage} stage)`,
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    health(
      'Errors',
      `${HEALTH.errors.threshold} or more invocations failed in ${HEALTH.errors.minutes} minutes`,
      this.metricErrors({ period: Duration.minutes(HEALTH.errors.minutes), statistic: 'Sum' }),
      HEALTH.errors.threshold,
    );
    health(
      'Throttles',
      `${HEALTH.throttles.threshold} or more invocations throttled in ${HEALTH.throttles.minutes} minutes`,
      this.metricThrottles({ period: Duration.minutes(HEALTH.throttles.minutes), statistic: 'Sum' }),
      HEALTH.throttles.threshold,
    );
    this.healthScope = { scope, id };
    // The stage's name on the function, its role and what else it owns, for the console, Cost Explorer and tag-based policies.
    // (Its construct id stays as in 0.1: a new one would replace its stream event source, which restarts at the stream's oldest record, and delete its log group.)
    Tags.of(this).add(STAGE_TAG, stage);
    Tags.of(role).add(STAGE_TAG, stage);
    Tags.of(logGroup).add(STAGE_TAG, stage);
    grantItemActions(table, this, manifest.table, manifest.leadingKeys);
    for (const index of manifest.indexes ?? []) grantIndexQuery(table, this, index);
    acknowledgeDefaultRuntime(this, defaults.runtime, defaults.runtimeIsDefault);
    if (defaults.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; AWS requires "*".',
      });
    } else {
      Validations.of(this).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray active tracing is optional (the `tracing` prop turns it on): the cost model leaves it out ' +
          '($5 per million traces); Powertools metrics, structured logs and the dashboard cover the pipeline without it.',
      });
    }
  }

  /**
   * Lets the stage put Closeloop's integration events (`source: closeloop`) on `bus`: PutEvents, and
   * the role's tag `closeloop:publisher` = `true`, without which the bus policy denies that source
   * (Producers: no other principal of the account can pass for Closeloop).
   */
  publishTo(bus: IEventBus): void {
    bus.grantPutEventsTo(this);
    if (this.role) Tags.of(this.role).add(PUBLISHER_TAG, 'true');
  }

  /** Adds the routes the stage's manifest declares to the API, integrated with this function (IAM-authorised where declared). */
  serveRoutes(api: HttpApi, integrationId: string, authorizers: { readonly jwt?: IHttpRouteAuthorizer } = {}): HttpRoute[] {
    const integration = new HttpLambdaIntegration(integrationId, this);
    return (this.manifest.routes ?? []).flatMap((route) => {
      if (route.auth === 'jwt' && !authorizers.jwt) throw new Error(`Closeloop: the ${this.stage} stage's ${route.path} needs a JWT authorizer`);
      return api.addRoutes({
        path: route.path,
        methods: route.methods.map((method) => method as HttpMethod),
        integration,
        authorizer: route.auth === 'iam' ? new HttpIamAuthorizer() : route.auth === 'jwt' ? authorizers.jwt : undefined,
      });
    });
  }

  /** The manifest's queue trigger on `queue` (one call per queue of a per-integration trigger): partial batch responses. */
  consume(queue: IQueue, options: { readonly sesMaxSendRate?: number } = {}): void {
    const trigger = this.trigger<QueueTrigger>('queue');
    const maxConcurrency = trigger.maxConcurrency && options.sesMaxSendRate !== undefined ? trigger.maxConcurrency(options.sesMaxSendRate) : undefined;
    this.addEventSource(
      new SqsEventSource(queue, {
        batchSize: trigger.batchSize,
        ...(trigger.maxBatchingWindowSeconds ? { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) } : {}),
        reportBatchItemFailures: true,
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      }),
    );
  }

  /**
   * The manifest's stream trigger on the table's stream: filtered, bisected on error, partial batch
   * responses, and a batch that keeps failing described on `failures` (the on-failure destination).
   */
  readStream(table: ITableV2, failures: IQueue): void {
    const trigger = this.trigger<StreamTrigger>('stream');
    this.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: trigger.batchSize,
        maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: trigger.retryAttempts,
        maxRecordAge: Duration.hours(trigger.maxRecordAgeHours),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(failures),
        filters: [{ pattern: JSON.stringify(trigger.filter) }],
      }),
    );
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `Invoked only by the DynamoDB stream event source: a batch that keeps failing is described on its on-failure queue (${trigger.failureQueue}); a function DLQ would never receive anything.`,
    });
    this.healthAlarms.push(
      new Alarm(this.healthScope.scope, `${this.healthScope.id}IteratorAge`, {
        alarmDescription: `The ${this.stage} stage is ${HEALTH.iteratorAgeMinutes} minutes or more behind the table's stream (stream records expire after 24 h)`,
        metric: this.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: HEALTH.iteratorAgeMinutes * 60_000,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** The manifest's schedule trigger: an EventBridge rule `id` in `scope`, its failed invocations kept on the function's dead-letter queue. */
  runOnSchedule(scope: Construct, id: string, description: string): Rule {
    const trigger = this.trigger<ScheduleTrigger>('schedule');
    return new Rule(scope, id, {
      description,
      schedule: Schedule.rate(Duration.minutes(trigger.rateMinutes)),
      targets: [
        new LambdaTarget(this, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: trigger.retryAttempts,
          maxEventAge: Duration.minutes(trigger.maxEventAgeMinutes),
        }),
      ],
    });
  }

  /**
   * The manifest's mail trigger: SES's receipt rule invokes the function asynchronously (its Lambda
   * action, added by the caller); Lambda retries a failed invocation as the manifest says, then sends
   * the event with the error to `failures`, its on-failure destination.
   */
  receiveMail(failures: IQueue): void {
    const trigger = this.trigger<MailTrigger>('mail');
    this.configureAsyncInvoke({
      retryAttempts: trigger.retryAttempts,
      maxEventAge: Duration.minutes(trigger.maxEventAgeMinutes),
      onFailure: new SqsDestination(failures),
    });
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: `Invoked asynchronously by SES only: an invocation that failed after Lambda's retries goes to its on-failure destination (${trigger.failureQueue}), which carries the event, the error and the attempts; a dead-letter queue would hold less.`,
    });
  }

  private trigger<T extends NonNullable<StageManifest['trigger']>>(kind: T['kind']): T {
    const trigger = this.manifest.trigger;
    if (trigger?.kind !== kind) throw new Error(`Closeloop: the ${this.stage} stage's manifest declares no ${kind} trigger`);
    return trigger as T;
  }
}
