import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Deployment settings read from CDK context (cdk.json or `-c key=value`). */
export interface CloseloopSettings {
  /** From address of survey emails; must be a verified SES identity (the address or its domain). */
  readonly senderEmail: string;
  /** Reply-To address: the direct support line respondents can write to. */
  readonly supportEmail: string;
  /** Public base URL of the rating pages. @default the CloudFront distribution's URL with `waf`, else the HTTP API's own URL */
  readonly publicBaseUrl?: string;
  /** The account's SES maximum send rate (emails per second). @default 14 (the SES sandbox rate) */
  readonly sesMaxSendRate: number;
  /** X-Ray active tracing on every function. @default false (optional: the cost model leaves it out) */
  readonly tracing: boolean;
  /** CloudFront with an AWS WAF web ACL in front of the rating pages. @default undefined (off) */
  readonly waf?: WafSettings;
}

export interface WafSettings {
  /** Requests one client IP may make in 5 minutes before the rate-based rule blocks it. @default 300 */
  readonly rateLimit: number;
  /** An existing CLOUDFRONT-scoped web ACL to attach instead of creating one. @default a web ACL created by the stack */
  readonly webAclArn?: string;
}

export const CONTEXT_KEYS = {
  senderEmail: 'closeloop:senderEmail',
  supportEmail: 'closeloop:supportEmail',
  publicBaseUrl: 'closeloop:publicBaseUrl',
  sesMaxSendRate: 'closeloop:sesMaxSendRate',
  tracing: 'closeloop:tracing',
  waf: 'closeloop:waf',
  wafRateLimit: 'closeloop:wafRateLimit',
  webAclArn: 'closeloop:webAclArn',
} as const;

export const DEFAULT_SETTINGS = {
  senderEmail: 'surveys@example.com',
  supportEmail: 'support@example.com',
  sesMaxSendRate: 14,
  tracing: false,
  waf: false,
  wafRateLimit: 300,
} as const;

/** AWS WAF's bounds for a rate-based rule's limit (requests per evaluation window). */
export const WAF_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// CLOUDFRONT-scoped web ACLs live in us-east-1 and are "global".
const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/;

export function readSettings(scope: Construct): CloseloopSettings {
  const get = (key: keyof typeof CONTEXT_KEYS) => scope.node.tryGetContext(CONTEXT_KEYS[key]) as unknown;
  const problems: string[] = [];
  const email = (key: 'senderEmail' | 'supportEmail') => {
    const value = String(get(key) ?? DEFAULT_SETTINGS[key]);
    if (!EMAIL.test(value)) problems.push(`${CONTEXT_KEYS[key]}: "${value}" is not an email address`);
    return value;
  };
  // `-c key=true` arrives as a string, cdk.json's `true` as a boolean.
  const flag = (key: 'tracing' | 'waf') => {
    const value = get(key) ?? DEFAULT_SETTINGS[key];
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${CONTEXT_KEYS[key]}: "${String(value)}" is not true or false`);
    return false;
  };
  const senderEmail = email('senderEmail');
  const supportEmail = email('supportEmail');
  const rawUrl = get('publicBaseUrl');
  let publicBaseUrl: string | undefined;
  if (rawUrl !== undefined && rawUrl !== '') {
    publicBaseUrl = String(rawUrl).replace(/\/+$/, '');
    if (!/^https:\/\/[^\s/]+/.test(publicBaseUrl)) problems.push(`${CONTEXT_KEYS.publicBaseUrl}: "${rawUrl}" is not an https:// URL`);
  }
  const sesMaxSendRate = Number(get('sesMaxSendRate') ?? DEFAULT_SETTINGS.sesMaxSendRate);
  if (!Number.isFinite(sesMaxSendRate) || sesMaxSendRate < 1) {
    problems.push(`${CONTEXT_KEYS.sesMaxSendRate}: "${get('sesMaxSendRate')}" is not a positive number`);
  }
  const tracing = flag('tracing');
  const waf = readWaf(flag('waf'), get, problems, Stack.of(scope).region);
  if (problems.length) throw new InvalidSettingsError(`Invalid Closeloop settings: ${problems.join('; ')}`);
  return { senderEmail, supportEmail, publicBaseUrl, sesMaxSendRate, tracing, waf };
}

function readWaf(enabled: boolean, get: (key: keyof typeof CONTEXT_KEYS) => unknown, problems: string[], region: string): WafSettings | undefined {
  const rawLimit = get('wafRateLimit');
  const rateLimit = Number(rawLimit ?? DEFAULT_SETTINGS.wafRateLimit);
  if (!Number.isInteger(rateLimit) || rateLimit < WAF_RATE_LIMIT_RANGE.min || rateLimit > WAF_RATE_LIMIT_RANGE.max) {
    problems.push(`${CONTEXT_KEYS.wafRateLimit}: "${String(rawLimit)}" is not a whole number of requests per 5 minutes ` +
      `from ${WAF_RATE_LIMIT_RANGE.min} to ${WAF_RATE_LIMIT_RANGE.max} (AWS WAF's bounds)`);
  }
  const rawArn = get('webAclArn');
  const webAclArn = rawArn === undefined || rawArn === '' ? undefined : String(rawArn);
  if (webAclArn !== undefined && !CLOUDFRONT_WEB_ACL_ARN.test(webAclArn)) {
    problems.push(`${CONTEXT_KEYS.webAclArn}: "${webAclArn}" is not the ARN of a CLOUDFRONT-scoped WAFv2 web ACL ` +
      '(arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)');
  }
  if (!enabled) {
    if (webAclArn !== undefined) problems.push(`${CONTEXT_KEYS.webAclArn} is set but ${CONTEXT_KEYS.waf} is not true: set both to put the web ACL in front of the API`);
    return undefined;
  }
  // A CLOUDFRONT-scoped web ACL can only be created in us-east-1 (an environment-agnostic stack is checked at deploy time).
  if (webAclArn === undefined && !Token.isUnresolved(region) && region !== 'us-east-1') {
    problems.push(`${CONTEXT_KEYS.waf}: the stack is in ${region}, but a web ACL for CloudFront can only be created in us-east-1. ` +
      `Deploy the stack in us-east-1, or create the web ACL there yourself (scope CLOUDFRONT) and pass its ARN with -c ${CONTEXT_KEYS.webAclArn}=<arn>`);
  }
  return { rateLimit, webAclArn };
}

/**
 * Dispatch concurrency that keeps SES under its send rate: one instance sends a batch of 10 one
 * by one, about 10 emails a second; the SQS event source needs at least 2.
 */
export function dispatchConcurrencyFor(sesMaxSendRate: number): number {
  return Math.min(1000, Math.max(2, Math.floor(sesMaxSendRate / 10)));
}
