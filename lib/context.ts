import { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { EXAMPLE_ADDRESSES } from '../functions/config/resources.js';
import type { CloseloopProps } from './props.js';

/**
 * Deployment settings from CDK context (`cdk.json` or `-c closeloop:<prop>=value`), for apps that
 * keep them out of code as this repository's own app does. Each key is `closeloop:` + the prop.
 */
export const CONTEXT_KEYS = {
  senderEmail: 'closeloop:senderEmail',
  supportEmail: 'closeloop:supportEmail',
  publicBaseUrl: 'closeloop:publicBaseUrl',
  sesMaxSendRate: 'closeloop:sesMaxSendRate',
  tracing: 'closeloop:tracing',
  waf: 'closeloop:waf',
  wafRateLimit: 'closeloop:wafRateLimit',
  webAclArn: 'closeloop:webAclArn',
  senderDomain: 'closeloop:senderDomain',
  catalog: 'closeloop:catalog',
  producerAccounts: 'closeloop:producerAccounts',
  producerOrganizationId: 'closeloop:producerOrganizationId',
  alarmEmail: 'closeloop:alarmEmail',
  alarmTopicArn: 'closeloop:alarmTopicArn',
  runtime: 'closeloop:runtime',
  workspace: 'closeloop:workspace',
  workspaceIssuer: 'closeloop:workspaceIssuer',
  workspaceAudience: 'closeloop:workspaceAudience',
  workspaceGroupsClaim: 'closeloop:workspaceGroupsClaim',
  workspaceDomainPrefix: 'closeloop:workspaceDomainPrefix',
  inboundDomain: 'closeloop:inboundDomain',
  inboundRuleSet: 'closeloop:inboundRuleSet',
} as const;

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
}

/**
 * The props that context sets (everything but the catalog and the constructs). `-c key=true`
 * arrives as a string, cdk.json's `true` as a boolean; numbers likewise.
 */
export function propsFromContext(scope: Construct): Omit<CloseloopProps, 'catalog' | 'eventBus' | 'hostedZone'> {
  const get = (key: keyof typeof CONTEXT_KEYS): unknown => {
    const value = scope.node.tryGetContext(CONTEXT_KEYS[key]) as unknown;
    return value === '' ? undefined : value;
  };
  const problems: string[] = [];
  const flag = (key: 'tracing' | 'waf' | 'workspace'): boolean | undefined => {
    const value = get(key);
    if (value === undefined || value === true || value === false) return value;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`${CONTEXT_KEYS[key]}: "${String(value)}" is not true or false`);
    return undefined;
  };
  const number = (key: 'sesMaxSendRate' | 'wafRateLimit'): number | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    if (typeof value === 'number' || (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value))) return Number(value);
    problems.push(`${CONTEXT_KEYS[key]}: "${String(value)}" is not a number`);
    return undefined;
  };
  const text = (
    key:
      | 'publicBaseUrl'
      | 'webAclArn'
      | 'senderDomain'
      | 'producerOrganizationId'
      | 'alarmEmail'
      | 'alarmTopicArn'
      | 'workspaceIssuer'
      | 'workspaceAudience'
      | 'workspaceGroupsClaim'
      | 'workspaceDomainPrefix'
      | 'inboundDomain'
      | 'inboundRuleSet',
  ): string | undefined => (get(key) === undefined ? undefined : String(get(key)));
  const waf = flag('waf');
  const wafRateLimit = number('wafRateLimit');
  const webAclArn = text('webAclArn');
  if (!waf && webAclArn !== undefined)
    problems.push(`${CONTEXT_KEYS.webAclArn} is set but ${CONTEXT_KEYS.waf} is not true: set both to put the web ACL in front of the API`);
  const tracing = flag('tracing');
  const sesMaxSendRate = number('sesMaxSendRate');
  const publicBaseUrl = text('publicBaseUrl');
  const senderDomain = text('senderDomain');
  const producerOrganizationId = text('producerOrganizationId');
  // "111111111111,222222222222" from -c; a list from cdk.json.
  const accounts = get('producerAccounts');
  const producerAccounts =
    accounts === undefined ? undefined : (Array.isArray(accounts) ? accounts : String(accounts).split(',')).map((a) => String(a).trim()).filter(Boolean);
  // A runtime by its Lambda name (`nodejs26.x`), as this aws-cdk-lib knows it.
  const runtimeName = get('runtime');
  const runtime = runtimeName === undefined ? undefined : Runtime.ALL.find((candidate) => candidate.name === String(runtimeName));
  if (runtimeName !== undefined && !runtime)
    problems.push(`${CONTEXT_KEYS.runtime}: "${String(runtimeName)}" is not a Lambda runtime this aws-cdk-lib knows (e.g. nodejs24.x)`);
  // The workspace: on with closeloop:workspace=true, or with an outside issuer; its other keys refine it.
  const issuer = text('workspaceIssuer');
  const workspaceOptions = {
    ...(issuer !== undefined ? { issuer } : {}),
    ...(text('workspaceAudience') !== undefined
      ? {
          audience: String(text('workspaceAudience'))
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
        }
      : {}),
    ...(text('workspaceGroupsClaim') !== undefined ? { groupsClaim: text('workspaceGroupsClaim') as string } : {}),
    ...(text('workspaceDomainPrefix') !== undefined ? { domainPrefix: text('workspaceDomainPrefix') as string } : {}),
  };
  const workspaceOn = flag('workspace');
  if (workspaceOn === false && Object.keys(workspaceOptions).length)
    problems.push(`${CONTEXT_KEYS.workspace} is false but other closeloop:workspace… keys are set: remove them or turn the workspace on`);
  const workspace = workspaceOn || issuer !== undefined ? (Object.keys(workspaceOptions).length ? workspaceOptions : true) : undefined;
  const inboundDomain = text('inboundDomain');
  const inboundRuleSet = text('inboundRuleSet');
  if (inboundRuleSet !== undefined && inboundDomain === undefined)
    problems.push(`${CONTEXT_KEYS.inboundRuleSet} is set but ${CONTEXT_KEYS.inboundDomain} is not: set the domain replies go to`);
  if (problems.length) throw new InvalidContextError(`Invalid Closeloop settings: ${problems.join('; ')}`);
  return {
    senderEmail: String(get('senderEmail') ?? EXAMPLE_ADDRESSES.senderEmail),
    supportEmail: String(get('supportEmail') ?? EXAMPLE_ADDRESSES.supportEmail),
    ...(publicBaseUrl !== undefined ? { publicBaseUrl } : {}),
    ...(sesMaxSendRate !== undefined ? { sesMaxSendRate } : {}),
    ...(tracing !== undefined ? { tracing } : {}),
    ...(waf ? { waf: { ...(wafRateLimit !== undefined ? { rateLimit: wafRateLimit } : {}), ...(webAclArn ? { webAclArn } : {}) } } : {}),
    ...(senderDomain !== undefined ? { senderDomain } : {}),
    ...(producerAccounts?.length ? { producerAccounts } : {}),
    ...(producerOrganizationId !== undefined ? { producerOrganizationId } : {}),
    ...(text('alarmEmail') !== undefined ? { alarmEmail: text('alarmEmail') as string } : {}),
    ...(text('alarmTopicArn') !== undefined ? { alarmTopicArn: text('alarmTopicArn') as string } : {}),
    ...(runtime ? { runtime } : {}),
    ...(workspace ? { workspace } : {}),
    ...(inboundDomain !== undefined ? { inbound: { domain: inboundDomain, ...(inboundRuleSet !== undefined ? { ruleSet: inboundRuleSet } : {}) } } : {}),
  };
}
