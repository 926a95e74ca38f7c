import { Aws } from 'aws-cdk-lib';
import { CfnEventBusPolicy, type IEventBus } from 'aws-cdk-lib/aws-events';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { registrySchemas } from '../../functions/config/contracts.js';
import { INTEGRATION_SOURCE } from '../../functions/domain/integration-events.js';
import { type Catalog, triggersOf } from '../../functions/domain/program.js';
import { PUBLISHER_TAG } from './stage-function.js';

export interface ProducersProps {
  readonly bus: IEventBus;
  /** Its triggers are the registry's event contract schemas and the sources other accounts may put. */
  readonly catalog: Catalog;
  /** AWS accounts whose business systems put events on the bus (12-digit ids, already checked). @default none */
  readonly accounts?: readonly string[];
  /** An AWS Organizations id (o-…): every account in it may put events. @default none */
  readonly organizationId?: string;
}

/**
 * What producers need from Closeloop: an EventBridge schema registry with event contract v1 per
 * trigger and every integration event (OpenAPI 3, the form code bindings are made from), and,
 * when producers live in other accounts, the bus policy that lets them put their events.
 */
export class Producers extends Construct {
  readonly registry: CfnRegistry;

  constructor(scope: Construct, id: string, props: ProducersProps) {
    super(scope, id);
    const triggers = triggersOf(props.catalog);
    this.registry = new CfnRegistry(this, 'Registry', {
      description: 'Closeloop: event contract v1 per survey trigger, and the integration events Closeloop puts on its bus',
    });
    for (const schema of registrySchemas(triggers)) {
      // The id follows the schema's name, not its position: a catalog change must not replace other schemas.
      new CfnSchema(this, `Schema-${schema.name}`, {
        registryName: this.registry.attrRegistryName,
        schemaName: schema.name,
        type: 'OpenApi3',
        description: schema.description,
        content: schema.content,
      });
    }

    // Only the catalog's own sources: another account must not pass for Closeloop (source "closeloop").
    const sources = [...new Set(triggers.map((t) => t.source).filter((source) => source !== INTEGRATION_SOURCE))];
    const statement = (principal: unknown, condition: Record<string, string>) => ({
      Effect: 'Allow',
      Principal: principal,
      Action: 'events:PutEvents',
      Resource: props.bus.eventBusArn,
      Condition: { StringEquals: { ...condition, 'events:source': sources } },
    });
    // Statement ids are per bus: unique per construct, so two Closeloops may share an existing bus.
    const statementId = (kind: string) => `closeloop-${kind}-${this.node.addr}`.slice(0, 64);
    // No principal of the account passes for Closeloop: `source: closeloop` only from a role Closeloop tagged (StageFunction.publishTo).
    // Another Closeloop on the same bus adds its own statement; their roles carry the same tag, so neither denies the other.
    let previous: CfnEventBusPolicy | undefined = new CfnEventBusPolicy(this, 'SourceGuard', {
      eventBusName: props.bus.eventBusName,
      statementId: statementId('source-guard'),
      statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: props.bus.eventBusArn,
        Condition: { StringEquals: { 'events:source': INTEGRATION_SOURCE }, StringNotEquals: { [`aws:PrincipalTag/${PUBLISHER_TAG}`]: 'true' } },
      },
    });
    if (props.accounts?.length) {
      const guard = previous;
      previous = new CfnEventBusPolicy(this, 'ProducerAccounts', {
        eventBusName: props.bus.eventBusName,
        statementId: statementId('accounts'),
        statement: statement({ AWS: props.accounts.map((account) => `arn:${Aws.PARTITION}:iam::${account}:root`) }, {}),
      });
      previous.node.addDependency(guard);
    }
    if (props.organizationId) {
      const policy = new CfnEventBusPolicy(this, 'ProducerOrganization', {
        eventBusName: props.bus.eventBusName,
        statementId: statementId('organization'),
        statement: statement('*', { 'aws:PrincipalOrgID': props.organizationId }),
      });
      // One change of the bus policy at a time (concurrent updates of one bus's policy conflict).
      if (previous) policy.node.addDependency(previous);
    }
  }
}
