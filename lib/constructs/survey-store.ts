import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { surveyTable } from '../../functions/config/resources.js';

/** The survey table: invitations, dispatch claims and responses, streamed to the rules stage. */
export class SurveyStore extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: surveyTable.partitionKey, type: AttributeType.STRING },
      sortKey: { name: surveyTable.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: surveyTable.timeToLiveAttribute,
      dynamoStream: StreamViewType[surveyTable.streamView],
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
