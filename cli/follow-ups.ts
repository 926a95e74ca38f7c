import { CliError, type Command, EXIT } from './args.js';
import { print, printJson } from './output.js';
import { requireSandbox } from './target.js';

interface InspectedQueue {
  messages: { ready: { body?: string; Body?: string }[]; delayed: unknown[]; inflight: { message: { body?: string; Body?: string } }[] };
}

export const followUpsCommand: Command = {
  name: 'follow-ups',
  summary: "show the follow-up messages waiting on the sandbox's queues, without receiving them",
  help: `Usage:
  closeloop follow-ups [--json]

Shows every message on the sandbox's follow-up queues (ready and in flight) through the SQS
emulator's inspection API: nothing is received, so nothing moves toward a dead-letter queue.
Sandbox only: SQS has no way to look at a message without receiving it. In AWS, read the queues
with your consumer (the stack outputs FollowUpQueueUrl…).`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run(_, values) {
    const info = await requireSandbox('follow-ups');
    const all: Record<string, unknown[]> = {};
    for (const [name, url] of Object.entries(info.followUpQueues)) {
      const queueName = url.split('/').pop() as string;
      let response: Response;
      try {
        response = await fetch(`${info.endpoints.sqs}/_fauxqs/queues/${encodeURIComponent(queueName)}`);
      } catch (error) {
        throw new CliError(`The sandbox SQS at ${info.endpoints.sqs} did not answer (${(error as Error).message}). Is \`closeloop sandbox\` running?`);
      }
      if (!response.ok) throw new CliError(`The sandbox SQS has no queue ${queueName} (${response.status})`);
      const inspected = (await response.json()) as InspectedQueue;
      const bodies = [...inspected.messages.ready, ...inspected.messages.inflight.map((m) => m.message)].map((m) => m.body ?? m.Body ?? '{}');
      all[name] = bodies.map((body) => {
        try {
          return JSON.parse(body) as unknown;
        } catch {
          return body;
        }
      });
    }
    if (values.json) {
      printJson(all);
      return EXIT.ok;
    }
    for (const [name, messages] of Object.entries(all)) {
      print(`${name}: ${messages.length ? `${messages.length} waiting` : 'empty'}`);
      for (const message of messages) printJson(message);
    }
    return EXIT.ok;
  },
};
