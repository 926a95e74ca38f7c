/**
 * `npm start`: the local sandbox. Emulators + Closeloop's handlers, until Ctrl-C.
 * Ports: CLOSELOOP_DYNAMODB_PORT, CLOSELOOP_SES_PORT, CLOSELOOP_SQS_PORT, CLOSELOOP_EVENTS_PORT,
 * CLOSELOOP_SCHEDULER_PORT, CLOSELOOP_HTTP_PORT. CLOSELOOP_DELAY_SCALE compresses survey delays and SLAs;
 * CLOSELOOP_SES_RATE emulates SES's maximum send rate.
 */
export {};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

try {
  const { delayScaleFromEnv, portsFromEnv, startSandbox } = await import('../lib/sandbox/sandbox.js');
  const { loadCatalogFile, resolveCatalogPath } = await import('../functions/config/catalog-file.js');
  const catalogFile = resolveCatalogPath();
  const catalog = loadCatalogFile(catalogFile);
  const delayScale = delayScaleFromEnv();
  const sesRate = process.env.CLOSELOOP_SES_RATE ? Number(process.env.CLOSELOOP_SES_RATE) : undefined;
  if (sesRate !== undefined && !(sesRate >= 1)) throw new Error(`CLOSELOOP_SES_RATE="${process.env.CLOSELOOP_SES_RATE}" is not a send rate (emails per second)`);
  const sandbox = await startSandbox({ catalog, ports: portsFromEnv(), delayScale, ...(sesRate ? { sesMaxSendRate: sesRate } : {}) });
  const { info } = sandbox;
  console.log(`
Closeloop sandbox is running.
  Catalog                ${catalogFile}   brand "${catalog.brand.name}", ${catalog.programs.length} programs  Event bus (PutEvents)  ${info.endpoints.eventbridge}   bus "${info.busName}"
  Inbox (SES)            ${info.inboxUrl}
  Rating pages           ${info.publicBaseUrl}/r/<token>
  Report                 ${info.reportUrl}
  DynamoDB Local         ${info.endpoints.dynamodb}   table "${info.tables.surveys}"
  SQS (fauxqs)           ${info.endpoints.sqs}
  Scheduler              ${info.endpoints.scheduler}   delays × ${delayScale}
  Follow-up queues       ${Object.keys(info.followUpQueues).join(', ')}
  Details                ${sandbox.infoFile}

Send sample events with \`npm run demo\`, then open the inbox. Ctrl-C stops everything.
`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox…`);
    sandbox.stop().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  console.error(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
