import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Catalog } from '../functions/domain/program.js';
import { CaseManagement } from './constructs/case-management.js';
import { Deliverability } from './constructs/deliverability.js';
import { Dispatch } from './constructs/dispatch.js';
import { FollowUps } from './constructs/follow-ups.js';
import { Ingest } from './constructs/ingest.js';
import { Measurement } from './constructs/measurement.js';
import { Observability } from './constructs/observability.js';
import { Privacy } from './constructs/privacy.js';
import { Responses } from './constructs/responses.js';
import { SurveyStore } from './constructs/survey-store.js';
import { dispatchConcurrencyFor, readSettings } from './settings.js';

export interface CloseloopStackProps extends StackProps {
  /** The validated survey programs and follow-up queues (functions/config/programs.ts). */
  readonly catalog: Catalog;
}

/**
 * events → bus → buffer → dispatch → SES email → [CloudFront + WAF] → rating page → DynamoDB → stream → rules → follow-up queues
 *                                                                        case API ↔ cases ← escalation sweep
 */
export class CloseloopStack extends Stack {
  constructor(scope: Construct, id: string, props: CloseloopStackProps) {
    super(scope, id, props);
    const settings = readSettings(this);

    const defaults = { catalog: props.catalog, tracing: settings.tracing };
    const store = new SurveyStore(this, 'Surveys');
    const ingest = new Ingest(this, 'Ingest', { catalog: props.catalog });
    const responses = new Responses(this, 'Responses', {
      defaults,
      table: store.table,
      supportEmail: settings.supportEmail,
      publicBaseUrl: settings.publicBaseUrl,
      edge: settings.waf,
    });
    const dispatch = new Dispatch(this, 'Dispatch', {
      defaults,
      table: store.table,
      buffer: ingest.buffer,
      deadLetters: ingest.deadLetters,
      bus: ingest.bus,
      senderEmail: settings.senderEmail,
      supportEmail: settings.supportEmail,
      publicBaseUrl: responses.publicBaseUrl,
      maxConcurrency: dispatchConcurrencyFor(settings.sesMaxSendRate),
    });
    const deliverability = new Deliverability(this, 'Deliverability', { defaults, table: store.table, configurationSet: dispatch.configurationSet });
    const followUps = new FollowUps(this, 'FollowUps', {
      defaults,
      table: store.table, bus: ingest.bus, caseApiUrl: responses.api.apiEndpoint,
    });
    new Measurement(this, 'Measurement', { defaults, table: store.table, bus: ingest.bus, failures: followUps.failures });
    new CaseManagement(this, 'Cases', {
      defaults,
      table: store.table, api: responses.api, bus: ingest.bus, queues: followUps.queues, deadLetters: followUps.failures,
    });
    new Privacy(this, 'Privacy', { defaults, table: store.table, api: responses.api });
    const observability = new Observability(this, 'Observability', {
      followUpQueues: followUps.queues,
      deadLetterQueues: {
        'dispatch-dead-letters': ingest.deadLetters, 'rules-failures': followUps.failures, 'deliverability-feedback-dead-letters': deliverability.deadLetters,
      },
    });

    new CfnOutput(this, 'EventBusName', { value: ingest.bus.eventBusName, description: 'Put business events here' });
    new CfnOutput(this, 'ApiUrl', { value: responses.api.apiEndpoint, description: 'Rating pages and the case API (HTTP API)' });
    new CfnOutput(this, 'PublicBaseUrl', { value: responses.publicBaseUrl, description: 'Base of the links in survey emails' });
    if (responses.edge) {
      new CfnOutput(this, 'DistributionDomainName', { value: responses.edge.distribution.distributionDomainName, description: 'CloudFront (with AWS WAF) in front of the rating pages' });
    }
    new CfnOutput(this, 'SurveyTableName', { value: store.table.tableName, description: 'For `closeloop report --table`' });
    new CfnOutput(this, 'DashboardName', { value: observability.dashboard.dashboardName });
    new CfnOutput(this, 'BufferQueueUrl', { value: ingest.buffer.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: ingest.deadLetters.queueUrl, description: 'Rejected events, with the reason' });
    new CfnOutput(this, 'RulesFailureQueueUrl', { value: followUps.failures.queueUrl });
    new CfnOutput(this, 'FeedbackDeadLetterQueueUrl', { value: deliverability.deadLetters.queueUrl, description: 'SES feedback events that could not be processed' });
    for (const [name, queue] of Object.entries(followUps.queues)) {
      new CfnOutput(this, `FollowUpQueueUrl${name.replace(/[^A-Za-z0-9]/g, '')}`, { value: queue.queueUrl, description: `Follow-up queue "${name}"` });
    }
  }
}
