/**
 * `npm run demo`: puts sample events on the running sandbox's bus, with the ordinary EventBridge client.
 * Then open the inbox URL it prints, click a score, and watch the follow-up queue.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { readSandboxFileOrExit } from '../lib/sandbox/sandbox-file.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const info = await readSandboxFileOrExit();

const run = Date.now().toString(36);
const events = [
  {
    Source: 'shop.orders', DetailType: 'OrderDelivered',
    Detail: { eventId: `ord-1042-delivered-${run}`, occurredAt: new Date().toISOString(),
      customer: { id: 'c-77', email: 'ana@example.com', name: 'Ana', locale: 'hr', segment: 'smb', tier: 'gold' },
      context: { orderId: '1042' } },
  },
  {
    Source: 'support.tickets', DetailType: 'TicketResolved',
    Detail: { eventId: `tkt-553-resolved-${run}`, occurredAt: new Date().toISOString(),
      customer: { id: 'c-12', email: 'mari@example.com', name: 'Mari', locale: 'et', segment: 'enterprise' },
      context: { ticketId: '553' } },
  },
  {
    Source: 'shop.orders', DetailType: 'OrderDelivered',
    Detail: { eventId: `ord-2001-delivered-${run}`, occurredAt: new Date().toISOString(),
      customer: { id: 'c-31', email: 'somchai@example.com', name: 'Somchai', locale: 'th' },
      context: { orderId: '2001' } },
  },
  {
    Source: 'shop.orders', DetailType: 'OrderPlaced',
    Detail: { eventId: `ord-3003-placed-${run}`, occurredAt: new Date().toISOString(),
      customer: { id: 'c-40', email: 'kalle@example.com', name: 'Kalle', locale: 'et', timeZone: 'Europe/Tallinn' },
      context: { orderId: '3003' } },
  },
  {
    Source: 'shop.orders', DetailType: 'OrderDelivered',
    Detail: { eventId: `ord-2002-delivered-${run}`, occurredAt: new Date().toISOString(),
      customer: { id: 'c-32', email: 'sara@example.com', name: 'سارا', locale: 'fa' },
      context: { orderId: '2002' } },
  },
];

const client = new EventBridgeClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.eventbridge });
try {
  const result = await client.send(new PutEventsCommand({
    Entries: events.map((e) => ({ ...e, Detail: JSON.stringify(e.Detail), EventBusName: info.busName })),
  }));
  if (result.FailedEntryCount) {
    console.error('Some events were refused:', result.Entries);
    process.exit(1);
  }
} catch (error) {
  console.error(`The sandbox bus at ${info.endpoints.eventbridge} did not answer (${error instanceof Error ? error.message : String(error)}). Is \`npm start\` running?`);
  process.exit(1);
}
console.log(`Put ${events.length} events on "${info.busName}" (NPS in hr, th and fa; CES in et; a checkout CSAT in et
that waits two hours, or 7 s with CLOSELOOP_DELAY_SCALE=0.001, and longer if it is night in Tallinn).
Open the inbox: ${info.inboxUrl}
Click a score, send the form; a 0–6 NPS or a 5–7 CES lands on a follow-up queue:
${Object.entries(info.followUpQueues).map(([name, url]) => `  ${name}: ${url}`).join('\n')}`);
