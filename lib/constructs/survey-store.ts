import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, type ITableV2, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { KEY_FAMILIES, type KeyFamily } from '../../functions/adapters/table-keys.js';
import { surveyTable } from '../../functions/config/resources.js';
import type { IndexName, TableAction } from '../../functions/config/wiring.js';

/** The survey table: invitations, claims, contacts, responses and cases, streamed to the rules stage. */
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
      globalSecondaryIndexes: [
        {
          indexName: surveyTable.slaIndex.name,
          partitionKey: { name: surveyTable.slaIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: surveyTable.slaIndex.sortKey, type: AttributeType.NUMBER },
        },
        {
          indexName: surveyTable.contactIndex.name,
          partitionKey: { name: surveyTable.contactIndex.partitionKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
        {
          indexName: surveyTable.inboxIndex.name,
          partitionKey: { name: surveyTable.inboxIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: surveyTable.inboxIndex.sortKey, type: AttributeType.NUMBER },
          projectionType: ProjectionType.KEYS_ONLY,
        },
        {
          indexName: surveyTable.answerIndex.name,
          partitionKey: { name: surveyTable.answerIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: surveyTable.answerIndex.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * Grants item actions on the table itself only. (`table.grant` adds `index/*` as soon as the table
 * has an index; most functions never read one.)
 */
export function grantItemActions(table: ITableV2, grantee: IGrantable, actions: readonly TableAction[], families?: readonly KeyFamily[]): void {
  if (!actions.length) return;
  // Limited to the item families the stage touches, by the partition key's prefix: the table map's, never written again here.
  const conditions = families?.length
    ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': families.map((family) => `${KEY_FAMILIES[family]}*`) } }
    : undefined;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...actions], resources: [table.tableArn], ...(conditions ? { conditions } : {}) }),
  );
}

/** Query on one index of the table, and nothing else of its indexes. */
export function grantIndexQuery(table: ITableV2, grantee: IGrantable, index: IndexName): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${index}`] }));
}
