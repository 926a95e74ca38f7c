/**
 * Runs one burst in a process of its own and prints its result as JSON: the handlers' SDK clients
 * live at module scope, bound to the environment of their first import, and the earlier sections
 * import the adapters before any sandbox exists (their clients would then point at AWS itself).
 */
import { benchBurst } from './burst.js';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const [events = '5000', rate = '50'] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(await benchBurst(Number(events), Number(rate), 300_000, { profile: true }))}\n`);
