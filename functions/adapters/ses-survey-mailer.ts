import { BadRequestException, MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { RecipientRejectedError, type SurveyEmail, type SurveyMailer } from '../ports.js';
import type { SendPacer } from './send-pacer.js';

/**
 * Adaptive retry: on SES throttling (TooManyRequestsException, "Maximum sending rate exceeded") the
 * client backs off with jitter and slows itself down instead of failing the batch. Retrying a
 * throttled call cannot double-send: SES accepted nothing.
 */
export const sesClient = new SESv2Client({ retryMode: 'adaptive', maxAttempts: 6 });

export interface SesSettings {
  readonly senderEmail: string;
  readonly supportEmail: string;
  readonly configurationSet: string;
}

/** SES tag values allow letters, digits, '_', '-', '.', '@' only. */
const tagValue = (value: string) => value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);

export class SesSurveyMailer implements SurveyMailer {
  constructor(
    private readonly settings: SesSettings,
    private readonly client: SESv2Client = sesClient,
    /** Dispatch's: its share of the account's send rate (send-pacer.ts). */
    private readonly pacer?: SendPacer,
  ) {}

  async send(email: SurveyEmail): Promise<{ messageId: string }> {
    try {
      await this.pacer?.take();
      const { MessageId } = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.settings.senderEmail,
          Destination: { ToAddresses: [email.to] },
          ReplyToAddresses: [email.replyTo ?? this.settings.supportEmail],
          ConfigurationSetName: this.settings.configurationSet,
          EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
              Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
        }),
      );
      if (!MessageId) throw new Error('SES accepted the email without a MessageId');
      return { messageId: MessageId };
    } catch (error) {
      // Refusals of this message or address are final; throttling, paused sending and outages are not.
      if (error instanceof MessageRejected || error instanceof BadRequestException) {
        throw new RecipientRejectedError(`SES refused the message: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}
