import { Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface PrivacyProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly api: HttpApi;
}

/**
 * The right to erasure: POST /erasures (IAM-authorised) finds a person's items through the contact
 * index and deletes or anonymises them (`closeloop erase <email>`). Retention itself is DynamoDB TTL.
 */
export class Privacy extends Construct {
  readonly function: StageFunction;

  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    this.function = new StageFunction(this, 'EraseFunction', {
      defaults: props.defaults,
      table: props.table,
      stage: 'erase',
      environment: { SURVEY_TABLE: props.table.tableName },
    });
    // Reads and rewrites of the person's items, the contact's own records (Query on the table), the suppression.
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by the HTTP API only: the caller gets the error and repeats the (idempotent) erasure; there is no asynchronous event to keep.',
    });
    this.function.serveRoutes(props.api, 'Erase');
  }
}
