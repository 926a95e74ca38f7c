import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { loadCatalogFile, resolveCatalogPath } from '../../functions/config/catalog-file.js';
import type { Granularity, Period } from '../../functions/domain/report.js';
import { loadReports, ReportRequestError } from '../report/load.js';
import { renderHtml } from '../report/html.js';
import { renderCsv, renderText } from '../report/text.js';
import type { SandboxInfo } from '../sandbox/sandbox.js';
import { SANDBOX_FILE } from '../sandbox/sandbox-file.js';
import { CliError } from './case-client.js';

export interface ReportOptions {
  readonly catalog?: string;
  readonly table?: string;
  readonly program?: string;
  readonly segment?: string;
  readonly from?: string;
  readonly to?: string;
  readonly granularity?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
  readonly html?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period asked for, or the last 90 days up to today. */
export function periodOf(options: Pick<ReportOptions, 'from' | 'to'>, today = new Date()): Period {
  const to = options.to ?? today.toISOString().slice(0, 10);
  const from = options.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  for (const [name, value] of [['--from', from], ['--to', to]] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(value))) throw new CliError(`${name} must be a date like 2026-11-01, not "${value}"`);
  }
  if (from > to) throw new CliError(`--from ${from} is after --to ${to}`);
  return { from, to };
}

/** Where the buckets are: a deployed stack's table (`--table`, AWS credentials) or the running sandbox. */
function storeFor(table: string | undefined): { store: DynamoAggregateStore; where: string } {
  const tableName = table ?? process.env.CLOSELOOP_TABLE;
  if (tableName) {
    return { store: new DynamoAggregateStore(tableName, DynamoDBDocumentClient.from(new DynamoDBClient({}))), where: `table ${tableName}` };
  }
  if (existsSync(SANDBOX_FILE)) {
    const sandbox = JSON.parse(readFileSync(SANDBOX_FILE, 'utf8')) as SandboxInfo;
    const client = new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb, maxAttempts: 2 });
    return { store: new DynamoAggregateStore(sandbox.tables.surveys, DynamoDBDocumentClient.from(client)), where: `the sandbox at ${sandbox.endpoints.dynamodb}` };
  }
  throw new CliError('No data source: pass --table <the stack output SurveyTableName> (with AWS credentials), set CLOSELOOP_TABLE, or start the sandbox with `npm start`.');
}

export async function reportCommand(options: ReportOptions): Promise<string> {
  const granularity = (options.granularity ?? 'week') as Granularity;
  if (!['day', 'week', 'month'].includes(granularity)) throw new CliError(`--granularity must be day, week or month, not "${options.granularity}"`);
  const period = periodOf(options);
  const { store, where } = storeFor(options.table);
  const catalog = loadCatalogFile(resolveCatalogPath({ flag: options.catalog }));
  let reports;
  try {
    reports = await loadReports(store, catalog, {
      period, granularity, programIds: options.program ? [options.program] : undefined, segments: options.segment ? [options.segment] : undefined,
    });
  } catch (error) {
    if (error instanceof ReportRequestError) throw new CliError(error.message);
    throw new CliError(`Could not read ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.html) {
    writeFileSync(options.html, renderHtml(reports, new Date()));
    return `Wrote ${options.html} (${reports.length} program/segment reports).`;
  }
  if (options.json) return JSON.stringify(reports, null, 2);
  if (options.csv) return renderCsv(reports);
  return renderText(reports);
}
