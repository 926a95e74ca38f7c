/**
 * Runs the answer → integration benchmark in a process of its own and prints its result as JSON:
 * the handlers' SDK clients and secret cache live at module scope, bound to the first sandbox of a
 * process, so after the earlier sections' sandboxes this one needs a fresh process (as a Lambda
 * environment is fresh for its own stack).
 */
import { benchWebhooks } from './webhooks.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const [answers = '40', concurrency = '8'] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(await benchWebhooks(Number(answers), Number(concurrency)))}\n`);
