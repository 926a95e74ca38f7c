import { Arn, CfnOutput, Fn, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IPublicHostedZone } from 'aws-cdk-lib/aws-route53';
import { type ConfigurationSet, EmailIdentity, type IConfigurationSet, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface SenderIdentityProps {
  /** The sender's domain (the part after @ of senderEmail). */
  readonly domain: string;
  /** Emails from this identity use Closeloop's configuration set by default. */
  readonly configurationSet: ConfigurationSet;
  /** Its Route 53 public hosted zone: the DKIM and MAIL FROM records are created there. @default none (the records are stack outputs) */
  readonly hostedZone?: IPublicHostedZone;
}

/**
 * The SES domain identity of the sender, with Easy DKIM (2048-bit) and a custom MAIL FROM domain
 * (`mail.<domain>`), so SPF and DMARC align with the From address.
 */
export class SenderIdentity extends Construct {
  readonly identity: EmailIdentity;
  readonly mailFromDomain: string;

  constructor(scope: Construct, id: string, props: SenderIdentityProps) {
    super(scope, id);
    this.mailFromDomain = `mail.${props.domain}`;
    this.identity = new EmailIdentity(this, 'Identity', {
      identity: props.hostedZone ? Identity.publicHostedZone(props.hostedZone) : Identity.domain(props.domain),
      mailFromDomain: this.mailFromDomain,
      configurationSet: props.configurationSet,
      dkimSigning: true,
    });
    if (props.hostedZone) return;
    // No zone to write to: the records to add, as outputs.
    this.identity.dkimRecords.forEach((record, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}`, description: `DKIM record ${i + 1} of ${props.domain}` });
    });
    new CfnOutput(this, 'MailFromMxRecord', {
      value: `${this.mailFromDomain} MX 10 feedback-smtp.${Stack.of(this).region}.amazonses.com`,
      description: 'MAIL FROM domain: MX record',
    });
    new CfnOutput(this, 'MailFromSpfRecord', {
      value: `${this.mailFromDomain} TXT "v=spf1 include:amazonses.com ~all"`,
      description: 'MAIL FROM domain: SPF record',
    });
  }
}

/**
 * `ses:SendEmail` for a function that sends as `senderEmail` through the stack's configuration set:
 * SES authorises against the verified identity it uses (the address or its domain) and the
 * configuration set, so those three ARNs and nothing else. (dispatch, notify, announce, digest.)
 */
/** What every stage that emails people reads: who sends, where replies go, and the configuration set that tracks bounces and complaints. */
export function senderVariables(senderEmail: string, supportEmail: string, configurationSet: IConfigurationSet) {
  return { SENDER_EMAIL: senderEmail, SUPPORT_EMAIL: supportEmail, CONFIGURATION_SET: configurationSet.configurationSetName };
}

export function grantSendEmail(fn: IFunction, senderEmail: string, configurationSet: IConfigurationSet): void {
  const stack = Stack.of(fn);
  const identity = (name: string) => Arn.format({ service: 'ses', resource: 'identity', resourceName: name }, stack);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [
        identity(senderEmail),
        identity(Token.isUnresolved(senderEmail) ? Fn.select(1, Fn.split('@', senderEmail)) : (senderEmail.split('@')[1] as string)),
        Arn.format({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }, stack),
      ],
    }),
  );
}
