import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SurveyScheduler } from '../ports.js';

export const schedulerClient = new SchedulerClient({});

export interface SchedulerSettings {
  readonly groupName: string;
  /** The dispatch buffer queue: a schedule sends its message there when due. */
  readonly targetArn: string;
  /** The role EventBridge Scheduler assumes to send to the target. */
  readonly roleArn: string;
  /** Where Scheduler puts a message it could not deliver. */
  readonly deadLetterArn: string;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, Scheduler's one-time expression; rounded up to the second. */
export function atExpression(at: Date): string {
  return `at(${new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** One-time EventBridge Scheduler schedules that delete themselves after they fire. */
export class EventBridgeSurveyScheduler implements SurveyScheduler {
  constructor(
    private readonly settings: SchedulerSettings,
    private readonly client: SchedulerClient = schedulerClient,
  ) {}

  async schedule(name: string, at: Date, message: string): Promise<'scheduled' | 'duplicate'> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.settings.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.settings.targetArn,
            RoleArn: this.settings.roleArn,
            Input: message,
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: this.settings.deadLetterArn },
          },
        }),
      );
      return 'scheduled';
    } catch (error) {
      // The name is derived from program, event and time: it exists when this event was scheduled before.
      if (error instanceof ConflictException) return 'duplicate';
      throw error;
    }
  }
}
