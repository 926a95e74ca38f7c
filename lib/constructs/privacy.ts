import { Duration, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ENV } from '../../functions/config/env.js';
import { type FunctionDefaults, ServiceFunction } from './service-function.js';
import { grantContactIndexQuery, grantItemActions } from './survey-store.js';

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
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'EraseFunction', {
      defaults: props.defaults,
      stage: 'erase',
      description: "Erases a person's data (invitations, responses' personal fields, cases, rest periods) and suppresses the address.",
      // Under the HTTP API's 30 s integration limit, with room for two passes over a large history.
      timeout: Duration.seconds(29),
      environment: { [ENV.SURVEY_TABLE]: props.table.tableName },
    });
    // Reads and rewrites of the person's items, the contact's own records (Query on the table), the suppression.
    grantItemActions(props.table, this.function, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query');
    grantContactIndexQuery(props.table, this.function);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by the HTTP API only: the caller gets the error and repeats the (idempotent) erasure; there is no asynchronous event to keep.',
    });
    props.api.addRoutes({
      path: '/erasures',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Erase', this.function),
      authorizer: new HttpIamAuthorizer(),
    });
  }
}
