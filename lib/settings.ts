import type { Construct } from 'constructs';

/** Deployment settings read from CDK context (cdk.json or `-c key=value`). */
export interface CloseloopSettings {
  /** From address of survey emails; must be a verified SES identity (the address or its domain). */
  readonly senderEmail: string;
  /** Reply-To address: the direct support line respondents can write to. */
  readonly supportEmail: string;
  /** Public base URL of the rating pages. @default the HTTP API's own URL */
  readonly publicBaseUrl?: string;
  /** The account's SES maximum send rate (emails per second). @default 14 (the SES sandbox rate) */
  readonly sesMaxSendRate: number;
}

export const CONTEXT_KEYS = {
  senderEmail: 'closeloop:senderEmail',
  supportEmail: 'closeloop:supportEmail',
  publicBaseUrl: 'closeloop:publicBaseUrl',
  sesMaxSendRate: 'closeloop:sesMaxSendRate',
} as const;

export const DEFAULT_SETTINGS = {
  senderEmail: 'surveys@example.com',
  supportEmail: 'support@example.com',
  sesMaxSendRate: 14,
} as const;

export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function readSettings(scope: Construct): CloseloopSettings {
  const get = (key: keyof typeof CONTEXT_KEYS) => scope.node.tryGetContext(CONTEXT_KEYS[key]) as unknown;
  const problems: string[] = [];
  const email = (key: 'senderEmail' | 'supportEmail') => {
    const value = String(get(key) ?? DEFAULT_SETTINGS[key]);
    if (!EMAIL.test(value)) problems.push(`${CONTEXT_KEYS[key]}: "${value}" is not an email address`);
    return value;
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
  if (problems.length) throw new InvalidSettingsError(`Invalid Closeloop settings: ${problems.join('; ')}`);
  return { senderEmail, supportEmail, publicBaseUrl, sesMaxSendRate };
}

/**
 * Dispatch concurrency that keeps SES under its send rate: one instance sends a batch of 10 one
 * by one, about 10 emails a second; the SQS event source needs at least 2.
 */
export function dispatchConcurrencyFor(sesMaxSendRate: number): number {
  return Math.min(1000, Math.max(2, Math.floor(sesMaxSendRate / 10)));
}
