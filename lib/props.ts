import { Token } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { IPublicHostedZone } from 'aws-cdk-lib/aws-route53';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Catalog } from './catalog.js';
import type { AlarmRouting } from './constructs/alarm-actions.js';
import { DEFAULT_RUNTIME, nodeMajor } from './constructs/nag.js';

/** CloudFront with AWS WAF in front of the rating pages. */
export interface WafProps {
  /** Requests one client IP may make in 5 minutes before the rate-based rule blocks it. @default 300 */
  readonly rateLimit?: number;
  /** An existing CLOUDFRONT-scoped web ACL (in us-east-1) to attach instead of creating one. @default a web ACL created by the construct (the stack must then be in us-east-1) */
  readonly webAclArn?: string;
}

/** The support agents' workspace with an outside OpenID Connect issuer (no user pool is created). */
export interface WorkspaceProps {
  /** The issuer URL (https), as its tokens' `iss`. @default a Cognito user pool the construct creates */
  readonly issuer?: string;
  /** The audiences the issuer's tokens carry for the workspace (its client ids); required with `issuer`. */
  readonly audience?: string[];
  /** The claim with the member's groups (the catalog's teams). @default cognito:groups */
  readonly groupsClaim?: string;
  /** The Cognito managed login's domain prefix (without `issuer`). @default from the stack's name and a short hash */
  readonly domainPrefix?: string;
}

/** Customers' replies by email, into their cases (docs/inbound.md). */
export interface InboundProps {
  /**
   * The domain replies go to: every email about a case has Reply-To `reply+<token>@<domain>`. A
   * subdomain of its own (`reply.example.com`): its MX record points at SES's inbound endpoint in the
   * stack's region, so no other mail of yours should go there.
   */
  readonly domain: string;
  /** An existing receipt rule set (e.g. the account's active one) to add Closeloop's rule to. @default a rule set the construct creates, activated once by hand (docs/inbound.md) */
  readonly ruleSet?: string;
}

export interface CloseloopProps {
  /** The survey programs, follow-up rules and queues, brand: `Catalog.fromFile('closeloop.yaml')`. */
  readonly catalog: Catalog;
  /** From address of survey emails; a verified SES identity (the address, or its domain: see `senderDomain`). */
  readonly senderEmail: string;
  /** Reply-To of every email: the direct support line respondents can write to. */
  readonly supportEmail: string;
  /** Public base URL of the rating pages (a custom domain in front of the API). @default the CloudFront distribution's URL with `waf`, else the HTTP API's own URL */
  readonly publicBaseUrl?: string;
  /** The account's SES maximum send rate (emails per second): caps dispatch concurrency. @default 14 (the SES sandbox rate) */
  readonly sesMaxSendRate?: number;
  /** X-Ray active tracing on every function. @default false */
  readonly tracing?: boolean;
  /** CloudFront with an AWS WAF web ACL in front of the rating pages: `true` for the defaults. @default false */
  readonly waf?: boolean | WafProps;
  /** Put the bus rules on this existing bus (and announce integration events there) instead of creating one. @default a new event bus */
  readonly eventBus?: IEventBus;
  /**
   * Create the SES domain identity for the sender's domain, with Easy DKIM and a custom MAIL FROM
   * (`mail.<domain>`). With `hostedZone` the DNS records are created; without, they are stack outputs.
   * @default no identity is created (verify the sender in SES yourself)
   */
  readonly senderDomain?: string;
  /** The Route 53 public hosted zone of `senderDomain`, to create its DKIM and MAIL FROM records. @default none (records are outputs) */
  readonly hostedZone?: IPublicHostedZone;
  /**
   * AWS accounts (12-digit ids) whose business systems put events on the bus: a bus policy lets them
   * call `events:PutEvents` for the catalog's sources. See docs/contracts.md for the producer's side.
   * @default none (only this account)
   */
  readonly producerAccounts?: string[];
  /** An AWS Organizations id (`o-…`): every account of the organization may put events, as with `producerAccounts`. @default none */
  readonly producerOrganizationId?: string;
  /** Page this address when any alarm of the stack fires: an SNS topic (KMS-encrypted, TLS only) with an email subscription is created. @default no email */
  readonly alarmEmail?: string;
  /** Every alarm of the stack also notifies this existing SNS topic (e.g. your paging tool's). @default no topic */
  readonly alarmTopicArn?: string;
  /** The same, as a topic of your app (`new Topic(…)` or `Topic.fromTopicArn(…)`). @default no topic */
  readonly alarmTopic?: ITopic;
  /**
   * The Lambda runtime of every function: Node.js 24 or newer (the handlers are built for Node.js 24).
   * With the default on an aws-cdk-lib that knows a newer Node.js, cdk-nag's AwsSolutions-L1 and
   * Serverless-LambdaLatestVersion are acknowledged ("tested on Node.js 24"); set this to move.
   * @default Runtime.NODEJS_24_X (the Node.js the suite runs on)
   */
  readonly runtime?: Runtime;
  /**
   * The support agents' workspace (docs/workspace.md): `true` creates a Cognito user pool (managed
   * login, one group per team); `{ issuer, audience, groupsClaim }` uses an outside OpenID Connect
   * issuer. @default no workspace
   */
  readonly workspace?: boolean | WorkspaceProps;
  /**
   * Customers' replies by email land in their cases (docs/inbound.md): an SES receipt rule for
   * `domain` stores each message in an encrypted bucket and invokes the inbound stage. @default replies go to `supportEmail`
   */
  readonly inbound?: InboundProps;
}

/**
 * The regions where SES receives email (the AWS General Reference's "Email receiving endpoints",
 * checked 2026-12-07 against AWS's table as published since 2024). Another region fails at synth.
 */
export const SES_RECEIVING_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-northeast-1',
] as const;

/** A receipt rule set's name, as SES allows it. */
const RULE_SET_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$/;

export const DEFAULTS = { sesMaxSendRate: 14, wafRateLimit: 300 } as const;

/** AWS WAF's bounds for a rate-based rule's limit (requests per evaluation window). */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

/** Props that are not what the construct needs, each named. */
export class InvalidPropsError extends Error {
  override readonly name = 'InvalidPropsError';
}

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
// CLOUDFRONT-scoped web ACLs live in us-east-1 and are "global".
const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/;

/** What the construct works with: props checked, defaults filled. */
export interface ResolvedProps {
  readonly senderEmail: string;
  readonly supportEmail: string;
  readonly publicBaseUrl?: string;
  readonly sesMaxSendRate: number;
  readonly tracing: boolean;
  readonly waf?: { readonly rateLimit: number; readonly webAclArn?: string };
  readonly senderDomain?: string;
  readonly producerAccounts: readonly string[];
  readonly producerOrganizationId?: string;
  /** Where every alarm pages, when given. */
  readonly alarms?: AlarmRouting;
  readonly runtime: Runtime;
  /** The runtime was not given (cdk-nag's latest-runtime rules are then acknowledged). */
  readonly runtimeIsDefault: boolean;
  readonly workspace?: ResolvedWorkspace;
  readonly inbound?: { readonly domain: string; readonly ruleSet?: string };
}

/** The workspace's identity provider: an outside issuer, or the construct's user pool with its login domain. */
export type ResolvedWorkspace =
  | { readonly issuer: string; readonly audience: readonly string[]; readonly groupsClaim: string; readonly domainPrefix?: undefined }
  | { readonly issuer?: undefined; readonly domainPrefix: string; readonly groupsClaim: string };

const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The default login domain prefix: the stack's name (what Cognito allows of it) and a short hash of the construct's path. */
export function defaultDomainPrefix(stackName: string, hash: string): string {
  const name = (Token.isUnresolved(stackName) ? 'closeloop' : stackName)
    .toLowerCase()
    .replace(/aws|amazon|cognito/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${name || 'closeloop'}-${hash.slice(0, 8).toLowerCase()}`;
}

function resolveWorkspace(given: CloseloopProps['workspace'], defaultPrefix: string, problems: string[]): ResolvedWorkspace | undefined {
  if (!given) return undefined;
  const options: WorkspaceProps = given === true ? {} : given;
  const groupsClaim = options.groupsClaim ?? 'cognito:groups';
  if (!groupsClaim.trim()) problems.push('workspace.groupsClaim: empty');
  if (options.issuer !== undefined) {
    if (!Token.isUnresolved(options.issuer) && !/^https:\/\/[^\s/]+/.test(options.issuer))
      problems.push(`workspace.issuer: "${options.issuer}" is not an https:// URL`);
    if (!options.audience?.length) problems.push('workspace.audience: required with workspace.issuer (the client ids its tokens are issued to)');
    if (options.domainPrefix !== undefined) problems.push('workspace.domainPrefix: only for the user pool the construct creates (not with workspace.issuer)');
    return { issuer: options.issuer, audience: options.audience ?? [], groupsClaim };
  }
  if (options.audience !== undefined) problems.push('workspace.audience: only with workspace.issuer');
  const domainPrefix = options.domainPrefix ?? defaultPrefix;
  if (!Token.isUnresolved(domainPrefix) && (!DOMAIN_PREFIX.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix))) {
    problems.push(
      `workspace.domainPrefix: "${domainPrefix}" is not a Cognito domain prefix (lower-case letters, digits and hyphens, at most 63, without aws, amazon or cognito)`,
    );
  }
  return { domainPrefix, groupsClaim };
}

/**
 * Checks every prop; throws one InvalidPropsError naming each bad one. `region` is the stack's
 * (a token for an environment-agnostic stack, then checked at deploy time).
 */
export function resolveProps(props: CloseloopProps, region: string | undefined, defaultPrefix = 'closeloop-workspace'): ResolvedProps {
  const problems: string[] = [];
  // A CDK token (another construct's attribute, a parameter) is checked by CloudFormation at deploy time, not here.
  const given = (value: unknown): value is string => typeof value === 'string' && !Token.isUnresolved(value);
  for (const key of ['senderEmail', 'supportEmail'] as const) {
    if (given(props[key]) && !EMAIL.test(props[key])) problems.push(`${key}: "${props[key]}" is not an email address`);
  }
  const publicBaseUrl = props.publicBaseUrl ? (given(props.publicBaseUrl) ? props.publicBaseUrl.replace(/\/+$/, '') : props.publicBaseUrl) : undefined;
  if (given(publicBaseUrl) && !/^https:\/\/[^\s/]+/.test(publicBaseUrl)) problems.push(`publicBaseUrl: "${props.publicBaseUrl}" is not an https:// URL`);
  // The send pacing and the catalog shape the template itself: they must be known at synth.
  if (!(props.catalog instanceof Catalog)) problems.push('catalog: must be a Catalog (Catalog.fromFile or Catalog.fromObject), known at synth');
  const sesMaxSendRate = props.sesMaxSendRate ?? DEFAULTS.sesMaxSendRate;
  if (Token.isUnresolved(sesMaxSendRate))
    problems.push('sesMaxSendRate: must be a number known at synth, not a token (it sizes the dispatch concurrency and pacing)');
  else if (!Number.isFinite(sesMaxSendRate) || sesMaxSendRate < 1) problems.push(`sesMaxSendRate: "${props.sesMaxSendRate}" is not a positive number`);
  let waf: ResolvedProps['waf'];
  if (props.waf) {
    const given = props.waf === true ? {} : props.waf;
    const rateLimit = given.rateLimit ?? DEFAULTS.wafRateLimit;
    if (!Number.isInteger(rateLimit) || rateLimit < WAF_RATE_LIMIT_RANGE.min || rateLimit > WAF_RATE_LIMIT_RANGE.max) {
      problems.push(
        `waf.rateLimit: "${given.rateLimit}" is not a whole number of requests per 5 minutes from ${WAF_RATE_LIMIT_RANGE.min} to ${WAF_RATE_LIMIT_RANGE.max} (AWS WAF's bounds)`,
      );
    }
    if (given.webAclArn !== undefined && !Token.isUnresolved(given.webAclArn) && !CLOUDFRONT_WEB_ACL_ARN.test(given.webAclArn)) {
      problems.push(
        `waf.webAclArn: "${given.webAclArn}" is not the ARN of a CLOUDFRONT-scoped WAFv2 web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)`,
      );
    }
    // A CLOUDFRONT-scoped web ACL can only be created in us-east-1 (an environment-agnostic stack is checked at deploy time).
    if (given.webAclArn === undefined && region !== undefined && region !== 'us-east-1') {
      problems.push(
        `waf: the stack is in ${region}, but a web ACL for CloudFront can only be created in us-east-1. ` +
          'Deploy the stack in us-east-1, or create the web ACL there yourself (scope CLOUDFRONT) and pass its ARN as waf.webAclArn',
      );
    }
    waf = { rateLimit, ...(given.webAclArn ? { webAclArn: given.webAclArn } : {}) };
  }
  if (given(props.senderDomain)) {
    if (!DOMAIN.test(props.senderDomain)) problems.push(`senderDomain: "${props.senderDomain}" is not a domain name`);
    else if (given(props.senderEmail) && !props.senderEmail.toLowerCase().endsWith(`@${props.senderDomain.toLowerCase()}`)) {
      problems.push(`senderDomain: senderEmail "${props.senderEmail}" is not an address of ${props.senderDomain}`);
    }
  }
  if (props.hostedZone && props.senderDomain === undefined) problems.push('hostedZone: given without senderDomain');
  const producerAccounts = [...new Set(props.producerAccounts ?? [])];
  for (const account of producerAccounts) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(String(account)))
      problems.push(`producerAccounts: "${account}" is not an AWS account id (12 digits, e.g. "123456789012")`);
  }
  if (given(props.producerOrganizationId) && !ORGANIZATION_ID.test(props.producerOrganizationId)) {
    problems.push(`producerOrganizationId: "${props.producerOrganizationId}" is not an AWS Organizations id (o- and 10 to 32 lower-case letters or digits)`);
  }
  if (given(props.alarmEmail) && !EMAIL.test(props.alarmEmail)) problems.push(`alarmEmail: "${props.alarmEmail}" is not an email address`);
  if (given(props.alarmTopicArn) && !SNS_TOPIC_ARN.test(props.alarmTopicArn)) {
    problems.push(`alarmTopicArn: "${props.alarmTopicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
  }
  const runtime = props.runtime ?? DEFAULT_RUNTIME;
  const major = nodeMajor(runtime);
  if (major === undefined) problems.push(`runtime: "${runtime.name}" is not a Node.js runtime (Runtime.NODEJS_24_X or newer)`);
  else if (major < (nodeMajor(DEFAULT_RUNTIME) ?? 0))
    problems.push(`runtime: "${runtime.name}" is older than ${DEFAULT_RUNTIME.name}, the Node.js the handlers are built for`);
  const workspace = resolveWorkspace(props.workspace, defaultPrefix, problems);
  const inbound = props.inbound;
  if (inbound) {
    if (given(inbound.domain) && !DOMAIN.test(inbound.domain)) problems.push(`inbound.domain: "${inbound.domain}" is not a domain name`);
    else if (given(inbound.domain) && given(props.supportEmail) && props.supportEmail.toLowerCase().endsWith(`@${inbound.domain.toLowerCase()}`)) {
      problems.push(
        `inbound.domain: "${inbound.domain}" is the support address's domain; its MX record would send the support mailbox's mail to SES. Use a subdomain of its own (e.g. reply.${inbound.domain})`,
      );
    }
    if (inbound.ruleSet !== undefined && given(inbound.ruleSet) && !RULE_SET_NAME.test(inbound.ruleSet)) {
      problems.push(`inbound.ruleSet: "${inbound.ruleSet}" is not a receipt rule set name (letters, digits, _ . -, at most 64)`);
    }
    if (region !== undefined && !(SES_RECEIVING_REGIONS as readonly string[]).includes(region)) {
      problems.push(
        `inbound: SES does not receive email in ${region}. Deploy the stack in a region that does (${SES_RECEIVING_REGIONS.join(', ')}), or leave inbound out (replies then go to supportEmail)`,
      );
    }
  }
  if (problems.length) throw new InvalidPropsError(`Invalid Closeloop props: ${problems.join('; ')}`);
  return {
    ...(workspace ? { workspace } : {}),
    ...(inbound ? { inbound: { domain: inbound.domain.toLowerCase(), ...(inbound.ruleSet ? { ruleSet: inbound.ruleSet } : {}) } } : {}),
    runtime,
    runtimeIsDefault: props.runtime === undefined,
    senderEmail: props.senderEmail,
    supportEmail: props.supportEmail,
    sesMaxSendRate,
    tracing: props.tracing ?? false,
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(waf ? { waf } : {}),
    ...(props.senderDomain ? { senderDomain: props.senderDomain } : {}),
    producerAccounts,
    ...(props.producerOrganizationId ? { producerOrganizationId: props.producerOrganizationId } : {}),
    ...(props.alarmEmail || props.alarmTopicArn || props.alarmTopic
      ? {
          alarms: {
            ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
            ...(props.alarmTopicArn ? { topicArn: props.alarmTopicArn } : {}),
            ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
          },
        }
      : {}),
  };
}
