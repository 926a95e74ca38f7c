import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { HttpApi, HttpMethod, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, type FunctionProps, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../functions/config/env.js';
import { METRICS_NAMESPACE } from '../../functions/config/metrics.js';
import { packageRoot } from '../../functions/config/package-info.js';
import { RUNTIME_CATALOG_FILE } from '../../functions/config/runtime-catalog.js';
import { type Stage, type StageEnvironment, type StageWiring, stageVariables, WIRING } from '../../functions/config/wiring.js';
import type { Catalog } from '../../functions/domain/program.js';
import { grantIndexQuery, grantItemActions } from './survey-store.js';

/** What every function of one Closeloop gets alike. */
export interface FunctionDefaults {
  /** The validated catalog the functions run with: placed beside each handler as catalog.json. */
  readonly catalog: Catalog;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
  /** The `service` dimension of this instance's metrics (unique per instance in an account). */
  readonly metricsService: string;
}

export interface ServiceFunctionProps<S extends Stage>
  extends Omit<FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture' | 'tracing' | 'environment'> {
  /** The stage folder under functions/, e.g. 'dispatch': its pre-built handler is the code, its wiring (functions/config/wiring.ts) the contract. */
  readonly stage: S;
  /** One value per variable the stage's wiring requires (by key, e.g. `SURVEY_TABLE`), and no other. */
  readonly environment: StageEnvironment<S>;
  /** The survey table: the function gets exactly the item actions and index queries its wiring declares. */
  readonly table: ITableV2;
  readonly defaults: FunctionDefaults;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 256 MB */
  readonly memorySize?: number;
}

/** Where the package keeps its pre-built handlers (dist/functions/<stage>/index.js, built by `npm run build`). */
export function prebuiltHandler(stage: string): string {
  const file = path.join(packageRoot(), 'dist', 'functions', stage, 'index.js');
  if (!existsSync(file)) {
    throw new Error(
      `Closeloop: the pre-built handler of "${stage}" is missing (${file}). In the closeloop repository, run \`npm run build\`; an installed package ships it.`,
    );
  }
  return file;
}

/**
 * A Lambda function with the house defaults: newest Node.js runtime, arm64, the pre-built handler
 * (no esbuild or Docker at synth) with the validated catalog beside it, a log group kept one month,
 * and X-Ray active tracing only when asked for.
 */
export class ServiceFunction<S extends Stage = Stage> extends LambdaFunction {
  readonly stage: S;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps<S>) {
    const { stage, defaults, table, environment, ...rest } = props;
    const handlerFile = prebuiltHandler(stage);
    const catalogJson = JSON.stringify(defaults.catalog);
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      ...rest,
      role,
      // "Bundling" is a copy plus the catalog, done locally at synth; the asset hash is the output's,
      // so another catalog is another asset (and a function update on deploy).
      code: Code.fromAsset(path.dirname(handlerFile), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('closeloop-needs-no-docker'),
          local: {
            tryBundle(outputDir: string) {
              copyFileSync(handlerFile, path.join(outputDir, 'index.js'));
              writeFileSync(path.join(outputDir, RUNTIME_CATALOG_FILE), catalogJson);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
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
    const wiring: StageWiring = WIRING[stage];
    grantItemActions(table, this, wiring.table);
    for (const index of wiring.indexes ?? []) grantIndexQuery(table, this, index);
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

  /** Adds the routes the stage's wiring declares to the API, integrated with this function (IAM-authorised where declared). */
  serveRoutes(api: HttpApi, integrationId: string): HttpRoute[] {
    const integration = new HttpLambdaIntegration(integrationId, this);
    const routes = (WIRING[this.stage] as StageWiring).routes ?? [];
    return routes.flatMap((route) =>
      api.addRoutes({
        path: route.path,
        methods: route.methods.map((method) => method as HttpMethod),
        integration,
        authorizer: route.auth === 'iam' ? new HttpIamAuthorizer() : undefined,
      }),
    );
  }
}
