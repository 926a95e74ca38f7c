import http, { type ServerResponse } from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_REGION } from './emulators.js';
import { BodyTooLargeError, guard, listenOnLoopback, readBody } from './guard.js';

export interface SchedulerOptions {
  readonly port: number;
  readonly sqs: SQSClient;
  /** Queue ARN → URL, for the targets schedules may name. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /**
   * Compresses waiting: a schedule due in 2 days fires after 2 days × scale (0.001 → about 3
   * minutes). 1 keeps real time.
   */
  readonly delayScale: number;
  readonly report: (message: string) => void;
}

interface StoredSchedule {
  name: string;
  groupName: string;
  expression: string;
  target: { Arn: string; Input?: string; RoleArn?: string };
  dueAt: number;
  firesAt: number;
  actionAfterCompletion: string;
}

export interface RunningScheduler {
  readonly endpoint: string;
  /** Schedules waiting to fire (name → due time, ISO). */
  pending(): Record<string, string>;
  stop(): Promise<void>;
}

/** Scheduler's own limit on a request (the Input of a target is at most 256 KB). */
const MAX_REQUEST_BYTES = 512 * 1024;
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

/**
 * EventBridge Scheduler's one-time schedules, locally: CreateSchedule, GetSchedule, DeleteSchedule
 * and ListSchedules over its REST-JSON protocol, so `@aws-sdk/client-scheduler` works unchanged.
 * A due schedule sends its Input to its SQS target, then deletes itself.
 */
export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const schedules = new Map<string, StoredSchedule>();
  const key = (group: string, name: string) => `${group}/${name}`;
  const arn = (s: StoredSchedule) => `arn:aws:scheduler:${LOCAL_REGION}:000000000000:schedule/${s.groupName}/${s.name}`;

  const send = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
    response.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    response.end(JSON.stringify(body));
  };

  const server = http.createServer(
    guard(
      'Scheduler endpoint',
      async (request, response) => {
        // As the Scheduler API: its clients send JSON; a form or text/plain POST is a web page's, not an SDK's.
        if ((request.method === 'POST' || request.method === 'PUT') && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
          request.resume();
          return send(response, 415, { Message: 'The Scheduler API takes application/json.' }, 'ValidationException');
        }
        let body: Buffer;
        try {
          body = await readBody(request, MAX_REQUEST_BYTES);
        } catch (error) {
          if (error instanceof BodyTooLargeError) return send(response, 413, { Message: 'The request is too large.' }, 'ValidationException');
          throw error;
        }
        let url: URL;
        try {
          url = new URL(request.url ?? '/', 'http://scheduler.invalid');
        } catch {
          return send(response, 400, { Message: 'The request target is not a URL path.' }, 'ValidationException');
        }
        const group = url.searchParams.get('groupName') ?? 'default';
        const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
        if (request.method === 'GET' && url.pathname === '/schedules') {
          return send(response, 200, {
            Schedules: [...schedules.values()].map((s) => ({ Name: s.name, GroupName: s.groupName, Arn: arn(s), State: 'ENABLED' })),
          });
        }
        if (!match) return send(response, 404, { Message: `No route for ${request.method} ${url.pathname}` }, 'ResourceNotFoundException');
        let name: string;
        try {
          name = decodeURIComponent(match[1] as string);
        } catch {
          return send(response, 400, { Message: 'The schedule name is not valid percent-encoded UTF-8.' }, 'ValidationException');
        }
        if (request.method === 'POST') {
          let input: { GroupName?: string; ScheduleExpression?: string; Target?: StoredSchedule['target']; ActionAfterCompletion?: string };
          try {
            input = JSON.parse(body.toString('utf8') || '{}');
          } catch {
            return send(response, 400, { Message: 'The request body is not JSON.' }, 'ValidationException');
          }
          const groupName = input.GroupName ?? 'default';
          const at = AT.exec(input.ScheduleExpression ?? '');
          if (!at)
            return send(response, 400, { Message: 'Only one-time at(yyyy-mm-ddThh:mm:ss) schedules are supported by the sandbox.' }, 'ValidationException');
          if (!input.Target?.Arn || !options.queueUrls[input.Target.Arn]) {
            return send(response, 400, { Message: `Target ${input.Target?.Arn} is not a sandbox queue.` }, 'ValidationException');
          }
          if (schedules.has(key(groupName, name))) return send(response, 409, { Message: `Schedule ${name} already exists.` }, 'ConflictException');
          const now = Date.now();
          const dueAt = Date.parse(`${at[1]}Z`);
          const stored: StoredSchedule = {
            name,
            groupName,
            expression: input.ScheduleExpression as string,
            target: input.Target,
            dueAt,
            firesAt: now + Math.max(0, dueAt - now) * options.delayScale,
            actionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
          };
          schedules.set(key(groupName, name), stored);
          return send(response, 200, { ScheduleArn: arn(stored) });
        }
        const found = schedules.get(key(group, name));
        if (!found) return send(response, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        if (request.method === 'GET') {
          return send(response, 200, {
            Name: found.name,
            GroupName: found.groupName,
            Arn: arn(found),
            ScheduleExpression: found.expression,
            Target: found.target,
            State: 'ENABLED',
          });
        }
        if (request.method === 'DELETE') {
          schedules.delete(key(group, name));
          return send(response, 200, {});
        }
        return send(response, 405, { Message: 'Method not allowed' }, 'ValidationException');
      },
      {
        errorBody: (status, message) => ({
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': status === 421 ? 'MisdirectedRequestException' : 'InternalServerException' },
          body: JSON.stringify({ Message: message }),
        }),
        report: options.report,
      },
    ),
  );

  let firing = false;
  const tick = setInterval(() => {
    if (firing) return;
    firing = true;
    const due = [...schedules.entries()].filter(([, s]) => s.firesAt <= Date.now());
    Promise.all(
      due.map(async ([id, s]) => {
        try {
          await options.sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrls[s.target.Arn], MessageBody: s.target.Input ?? '{}' }));
          if (s.actionAfterCompletion === 'DELETE') schedules.delete(id);
          else s.firesAt = Number.POSITIVE_INFINITY;
        } catch (error) {
          // Scheduler retries delivery; so do we, on the next tick.
          options.report(`schedule ${s.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    ).finally(() => {
      firing = false;
    });
  }, 200);

  const listening = await listenOnLoopback(server, options.port);
  return {
    endpoint: `http://127.0.0.1:${listening.port}`,
    pending: () => Object.fromEntries([...schedules.values()].map((s) => [s.name, new Date(s.dueAt).toISOString()])),
    stop: async () => {
      clearInterval(tick);
      await listening.stop();
    },
  };
}
