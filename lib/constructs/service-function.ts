import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import path from 'node:path';
import { catalog, catalogDefine } from '../../functions/config/catalog.js';
import { fileURLToPath } from 'node:url';
import { CONTEXT_KEYS, readSettings } from '../settings.js';

const functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../functions');

export interface ServiceFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture'> {
  /** The stage folder under functions/, e.g. 'dispatch'; its handler.ts is the entry. */
  readonly stage: string;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 256 MB */
  readonly memorySize?: number;
}

/**
 * A Lambda function with the house defaults: newest Node.js runtime, arm64, bundled and minified
 * locally by esbuild (AWS SDK v3 left to the runtime), a log group kept one month, and X-Ray active
 * tracing only when the deployment asks for it (`closeloop:tracing`).
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const { tracing } = readSettings(scope);
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      ...props,
      role,
      entry: path.join(functionsDir, props.stage, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: `closeloop-${props.stage}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Closeloop',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node24',
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        // The catalog as synth validated it: functions start without the validator.
        define: catalogDefine(catalog),
        ...props.bundling,
      },
    });
    if (tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; AWS requires "*".',
      });
    } else {
      Validations.of(this).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason: `X-Ray active tracing is optional (${CONTEXT_KEYS.tracing}=true turns it on): the cost model leaves it out ` +
          '($5 per million traces); Powertools metrics, structured logs and the dashboard cover the pipeline without it.',
      });
    }
  }
}
