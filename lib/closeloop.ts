import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, type Dashboard, type IMetric, type MathExpressionOptions, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KEY_FAMILIES } from '../functions/adapters/table-keys.js';
import { dispatchSendRateFor } from '../functions/config/resources.js';
import { WIRING } from '../functions/config/wiring.js';
import { routeAlarms } from './constructs/alarm-actions.js';
import { Announcements } from './constructs/announcements.js';
import { CaseManagement } from './constructs/case-management.js';
import { Deliverability } from './constructs/deliverability.js';
import { Digests } from './constructs/digests.js';
import { Dispatch } from './constructs/dispatch.js';
import { FollowUps } from './constructs/follow-ups.js';
import { InboundMail } from './constructs/inbound-mail.js';
import { Ingest } from './constructs/ingest.js';
import { Integrations } from './constructs/integrations.js';
import { Measurement } from './constructs/measurement.js';
import { writeLegacyNagSuppressions } from './constructs/nag.js';
import { Notifications } from './constructs/notifications.js';
import { Observability } from './constructs/observability.js';
import { Privacy } from './constructs/privacy.js';
import { Producers } from './constructs/producers.js';
import { Responses } from './constructs/responses.js';
import { SenderIdentity } from './constructs/sender-identity.js';
import { type FunctionDefaults, StageFunction } from './constructs/stage-function.js';
import { SurveyStore } from './constructs/survey-store.js';
import { Workspace } from './constructs/workspace.js';
import { type CloseloopProps, defaultDomainPrefix, resolveProps } from './props.js';

/**
 * Closeloop: closed-loop customer feedback in your own account.
 *
 * events → bus → buffer → dispatch → SES email → [CloudFront + WAF] → rating page → DynamoDB → stream → rules → follow-up queues
 *                                                                           case API ↔ cases ← escalation sweep
 *
 * @example
 * new Closeloop(stack, 'Feedback', {
 *   catalog: Catalog.fromFile('closeloop.yaml'),
 *   senderEmail: 'surveys@shop.example', supportEmail: 'support@shop.example',
 * });
 */
export class Closeloop extends Construct {
  /** Where business systems put their events (and where Closeloop announces its own). */
  readonly eventBus: IEventBus;
  /** Invitations, responses, cases and counters (on demand, PITR, TTL, a stream). */
  readonly table: ITableV2;
  /** The HTTP API: rating pages, the IAM-authorised case and erasure routes. */
  readonly api: HttpApi;
  /** Base of the links in survey emails. */
  readonly publicBaseUrl: string;
  /** One queue per follow-up queue the catalog declares, by its name. */
  readonly followUpQueues: Readonly<Record<string, Queue>>;
  /** Where what a stage could not process waits for a person, with the reason: by name, `<stage>-failures` (an output `<Stage>FailureQueueUrl` each). */
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  /** The EventBridge schema registry with event contract v1 per trigger and the integration events. */
  readonly schemaRegistryName: string;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[];
  /** One delivery queue per catalog integration, by its id. */
  readonly integrationQueues: Readonly<Record<string, Queue>>;
  /** Every stage's Lambda function, by stage name (dispatch, respond, rules, …: functions/config/stages/). */
  readonly functions: { readonly [stage: string]: IFunction };

  private readonly observability: Observability;
  private readonly caseApiArns: readonly string[];

  constructor(scope: Construct, id: string, props: CloseloopProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const stackName = Stack.of(this).stackName;
    const settings = resolveProps(props, Token.isUnresolved(region) ? undefined : region, defaultDomainPrefix(stackName, this.node.addr));
    // Two instances in one account (dev and prod) publish under different `service` dimensions, so neither's dashboard or alarms read the other's.
    const metricsService = `closeloop/${Token.isUnresolved(stackName) ? this.node.path : `${stackName}/${this.node.id}`}`;
    const defaults: FunctionDefaults = {
      catalog: props.catalog.data,
      tracing: settings.tracing,
      metricsService,
      runtime: settings.runtime,
      runtimeIsDefault: settings.runtimeIsDefault,
    };

    const store = new SurveyStore(this, 'Surveys');
    const ingest = new Ingest(this, 'Ingest', { catalog: props.catalog.data, ...(props.eventBus ? { eventBus: props.eventBus } : {}) });
    const responses = new Responses(this, 'Responses', {
      defaults,
      table: store.table,
      supportEmail: settings.supportEmail,
      ...(settings.publicBaseUrl ? { publicBaseUrl: settings.publicBaseUrl } : {}),
      ...(settings.waf ? { edge: settings.waf } : {}),
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
      sesMaxSendRate: settings.sesMaxSendRate,
      sendRatePerInstance: dispatchSendRateFor(settings.sesMaxSendRate),
    });
    if (settings.senderDomain) {
      new SenderIdentity(this, 'Sender', {
        domain: settings.senderDomain,
        configurationSet: dispatch.configurationSet,
        ...(props.hostedZone ? { hostedZone: props.hostedZone } : {}),
      });
    }
    const deliverability = new Deliverability(this, 'Deliverability', { defaults, table: store.table, configurationSet: dispatch.configurationSet });
    const followUps = new FollowUps(this, 'FollowUps', {
      defaults,
      table: store.table,
      bus: ingest.bus,
      caseApiUrl: responses.api.apiEndpoint,
      ...(settings.inbound ? { inboundDomain: settings.inbound.domain } : {}),
    });
    const measurement = new Measurement(this, 'Measurement', { defaults, table: store.table, bus: ingest.bus });
    const cases = new CaseManagement(this, 'Cases', {
      defaults,
      table: store.table,
      api: responses.api,
      bus: ingest.bus,
      queues: followUps.queues,
    });
    if (settings.workspace) {
      new Workspace(this, 'Workspace', {
        defaults,
        table: store.table,
        api: responses.api,
        bus: ingest.bus,
        cursorKey: cases.cursorKey,
        publicBaseUrl: responses.publicBaseUrl,
        settings: settings.workspace,
      });
    }
    new Privacy(this, 'Privacy', { defaults, table: store.table, api: responses.api });
    // Customers' replies by email into their cases (docs/inbound.md): off unless asked.
    const inbound = settings.inbound
      ? new InboundMail(this, 'Inbound', {
          defaults,
          table: store.table,
          domain: settings.inbound.domain,
          senderEmail: settings.senderEmail,
          bus: ingest.bus,
          ...(settings.inbound.ruleSet ? { ruleSet: settings.inbound.ruleSet } : {}),
        })
      : undefined;
    // Respondent notifications: acknowledgement and resolution reply (docs/notifications.md).
    const notifications = new Notifications(this, 'Notifications', {
      defaults,
      table: store.table,
      senderEmail: settings.senderEmail,
      supportEmail: settings.supportEmail,
      publicBaseUrl: responses.publicBaseUrl,
      configurationSet: dispatch.configurationSet,
      ...(inbound && settings.inbound ? { inbound: { domain: settings.inbound.domain, replyTokenKey: inbound.replyTokenKey } } : {}),
      ...(settings.workspace ? { workspaceUrl: `${responses.publicBaseUrl}/inbox` } : {}),
    });
    const integrations = new Integrations(this, 'Integrations', { defaults, table: store.table, bus: ingest.bus, api: responses.api });
    const announcements = new Announcements(this, 'Announcements', {
      defaults,
      table: store.table,
      api: responses.api,
      senderEmail: settings.senderEmail,
      supportEmail: settings.supportEmail,
      publicBaseUrl: responses.publicBaseUrl,
      configurationSet: dispatch.configurationSet,
      sesMaxSendRate: settings.sesMaxSendRate,
    });
    const digests = new Digests(this, 'Digests', {
      defaults,
      table: store.table,
      api: responses.api,
      senderEmail: settings.senderEmail,
      supportEmail: settings.supportEmail,
      configurationSet: dispatch.configurationSet,
    });
    // Each stage's failure queue, by name, with what it holds (the output's description): one table.
    const failureQueues: Record<string, { readonly queue: Queue; readonly holds: string }> = {
      'dispatch-failures': { queue: ingest.deadLetters, holds: 'Rejected events and surveys that could not be sent, with the reason' },
      'rules-failures': { queue: followUps.failures, holds: 'Stream records the rules stage could not route' },
      'measure-failures': { queue: measurement.failures, holds: 'Stream records the measure stage could not count' },
      'escalate-failures': { queue: cases.sweepFailures, holds: 'Cases the escalation sweep could not escalate' },
      'deliverability-failures': { queue: deliverability.deadLetters, holds: 'SES feedback events that could not be processed' },
      'notify-failures': { queue: notifications.failures, holds: 'Respondent notifications that could not be sent' },
      'deliver-failures': { queue: integrations.deadLetters, holds: 'Integration deliveries that kept failing' },
      'announce-failures': { queue: announcements.deadLetters, holds: 'Announcement sends that kept failing' },
      'digest-failures': { queue: digests.deadLetters, holds: 'Digest runs that kept failing' },
      ...(inbound ? { 'inbound-failures': { queue: inbound.failures, holds: 'Received replies whose recording kept failing (redrive within 7 days)' } } : {}),
    };
    const deadLetterQueues = Object.fromEntries(Object.entries(failureQueues).map(([name, { queue }]) => [name, queue]));
    const producers = new Producers(this, 'Producers', {
      bus: ingest.bus,
      catalog: props.catalog.data,
      accounts: settings.producerAccounts,
      ...(settings.producerOrganizationId ? { organizationId: settings.producerOrganizationId } : {}),
    });
    const stageFunctions = this.node.findAll().filter((node): node is StageFunction => node instanceof StageFunction);
    this.functions = Object.fromEntries(stageFunctions.map((fn) => [fn.stage, fn]));
    const observability = new Observability(this, 'Observability', {
      followUpQueues: followUps.queues,
      deadLetterQueues,
      metricsService,
      api: responses.api,
      table: store.table,
      functions: stageFunctions,
    });

    this.observability = observability;
    // The case API's IAM routes, as the cases stage's manifest declares them.
    this.caseApiArns = (WIRING.cases.routes ?? []).flatMap((route) =>
      route.methods.map((method) => responses.api.arnForExecuteApi(method, route.path.replace(/\{[^}]+\}/g, '*'))),
    );
    this.eventBus = ingest.bus;
    this.table = store.table;
    this.api = responses.api;
    this.publicBaseUrl = responses.publicBaseUrl;
    this.followUpQueues = followUps.queues;
    this.deadLetterQueues = deadLetterQueues;
    this.schemaRegistryName = producers.registry.attrRegistryName;
    this.dashboard = observability.dashboard;
    // Every alarm: the service's (Observability) and each stage's own health alarms (StageFunction).
    this.alarms = this.node.findAll().filter((node): node is Alarm => node instanceof Alarm);
    this.integrationQueues = integrations.queues;
    // Last: every alarm created above (in any stage's construct) gets the action.
    if (settings.alarms) routeAlarms(this, settings.alarms);

    new CfnOutput(this, 'EventBusName', { value: ingest.bus.eventBusName, description: 'Put business events here' });
    new CfnOutput(this, 'EventBusArn', { value: ingest.bus.eventBusArn, description: "The bus, for producers' rules and policies" });
    new CfnOutput(this, 'SchemaRegistryName', {
      value: producers.registry.attrRegistryName,
      description: 'Event contract v1 and the integration events, for code bindings (aws schemas get-code-binding-source)',
    });
    new CfnOutput(this, 'ApiUrl', { value: responses.api.apiEndpoint, description: 'Rating pages and the case API (HTTP API)' });
    new CfnOutput(this, 'PublicBaseUrl', { value: responses.publicBaseUrl, description: 'Base of the links in survey emails' });
    if (responses.edge) {
      new CfnOutput(this, 'DistributionDomainName', {
        value: responses.edge.distribution.distributionDomainName,
        description: 'CloudFront (with AWS WAF) in front of the rating pages',
      });
    }
    new CfnOutput(this, 'SurveyTableName', { value: store.table.tableName, description: 'For `closeloop report --table`' });
    new CfnOutput(this, 'DashboardName', { value: observability.dashboard.dashboardName });
    new CfnOutput(this, 'BufferQueueUrl', { value: ingest.buffer.queueUrl });
    for (const [name, { queue, holds }] of Object.entries(failureQueues)) {
      const stage = name.replace(/-failures$/, '');
      new CfnOutput(this, `${stage.charAt(0).toUpperCase()}${stage.slice(1)}FailureQueueUrl`, { value: queue.queueUrl, description: holds });
    }
    for (const [name, queue] of Object.entries(followUps.queues)) {
      new CfnOutput(this, `FollowUpQueueUrl${name.replace(/[^A-Za-z0-9]/g, '')}`, { value: queue.queueUrl, description: `Follow-up queue "${name}"` });
    }
    // Last, when the tree is complete: every acknowledgement once more in cdk-nag 2's form.
    writeLegacyNagSuppressions(this);
  }

  /** Lets `grantee` put business events on the bus (your producers in this account). Closeloop's own source stays denied to it (docs/security.md). */
  grantPutEvents(grantee: IGrantable): Grant {
    return this.eventBus.grantPutEventsTo(grantee);
  }

  /** Lets `grantee` call the case API (list, read, acknowledge, resolve, assign; SigV4, as `closeloop case` does). */
  grantCaseApi(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [...this.caseApiArns] });
  }

  /** Lets `grantee` read the report figures (`closeloop report --table`): the day buckets and segment lists, nothing of a person. */
  grantReadReports(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KEY_FAMILIES.dayBucket}*`, `${KEY_FAMILIES.segments}*`] } },
    });
  }

  /** Surveys sent (sum per hour by default), as the dashboard shows them. */
  metricSurveysSent(props?: MetricOptions): IMetric {
    return this.observability.figures.surveysSent.with(props ?? {});
  }

  /** Answers recorded (sum per hour by default). */
  metricResponses(props?: MetricOptions): IMetric {
    return this.observability.figures.responses.with(props ?? {});
  }

  /** Detractors as a share of answers, in % (per hour by default). */
  metricDetractorRate(props?: MathExpressionOptions): IMetric {
    return this.observability.figures.detractorRate.with(props ?? {});
  }

  /** Follow-up cases escalated because a deadline passed (sum per hour by default). */
  metricFollowUpsEscalated(props?: MetricOptions): IMetric {
    return this.observability.figures.followUpsEscalated.with(props ?? {});
  }
}
