import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { announceTarget, CliError, type Command, EXIT } from './args.js';
import { print } from './output.js';
import { requireSandbox } from './target.js';

/** Sample customers, one per built-in language (names from the source articles' languages). */
const CUSTOMERS: Record<string, { name: string; email: string }> = {
  en: { name: 'Alex', email: 'alex@example.com' },
  hr: { name: 'Ana', email: 'ana@example.com' },
  et: { name: 'Mari', email: 'mari@example.com' },
  th: { name: 'Somchai', email: 'somchai@example.com' },
  fa: { name: 'سارا', email: 'sara@example.com' },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: "put one sample event per program on the running sandbox's bus",
  help: `Usage:
  closeloop demo [--catalog <file>]

Puts one event per enabled program of the catalog on the sandbox's bus, with the ordinary
EventBridge client, each customer in another language. Then open the inbox the sandbox printed,
click a score, and watch the follow-ups (\`closeloop follow-ups\`).`,
  options: { catalog: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(_, values) {
    const info = await requireSandbox('demo');
    const catalog = loadCatalogFile(resolveCatalogPath({ flag: values.catalog as string | undefined }));
    const run = Date.now().toString(36);
    const programs = catalog.programs.filter((p) => p.enabled && p.trigger.source !== 'closeloop');
    // The catalog's own languages first (an adopter's "de"), then the built-in ones.
    const LOCALES = Object.keys(catalog.locales).sort((a, b) => Number(a in CUSTOMERS) - Number(b in CUSTOMERS));
    const entries = programs.map((program, i) => {
      const locale = LOCALES[i % LOCALES.length] as string;
      const customer = CUSTOMERS[locale] ?? { name: 'Kim', email: `kim.${locale}@example.com` };
      const context: Record<string, string> = { orderId: `${1042 + i}`, ticketId: `${553 + i}` };
      if (program.cancel) context[program.cancel.matchOn] = `${program.id}-${run}`;
      return {
        EventBusName: info.busName,
        Source: program.trigger.source,
        DetailType: program.trigger.detailType,
        Detail: JSON.stringify({
          eventId: `demo-${program.id}-${run}`,
          occurredAt: new Date().toISOString(),
          customer: { id: `c-${i + 1}`, email: customer.email, name: customer.name, locale, segment: 'demo', tier: 'gold' },
          context,
        }),
      };
    });
    if (!entries.length) throw new CliError('the catalog has no enabled program triggered by a business event');
    announceTarget(`the sandbox bus at ${info.endpoints.eventbridge}`);
    const client = new EventBridgeClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.eventbridge });
    try {
      for (let i = 0; i < entries.length; i += 10) {
        const result = await client.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
        if (result.FailedEntryCount) throw new CliError(`some events were refused: ${JSON.stringify(result.Entries)}`);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(
        `The sandbox bus at ${info.endpoints.eventbridge} did not answer (${error instanceof Error ? error.message : String(error)}). Is \`closeloop sandbox\` running?`,
      );
    } finally {
      client.destroy();
    }
    print(`Put ${entries.length} events on "${info.busName}" (${programs.map((p) => p.id).join(', ')}).`);
    print(`Delayed programs wait for their delay (shorter with CLOSELOOP_DELAY_SCALE). Open the inbox: ${info.inboxUrl}`);
    return EXIT.ok;
  },
};
