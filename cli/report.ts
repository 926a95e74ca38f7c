import { writeFileSync } from 'node:fs';
import { DynamoAggregateStore } from '../functions/adapters/dynamo-aggregate-store.js';
import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import type { Granularity } from '../functions/domain/report.js';
import { renderHtml } from '../functions/report/html.js';
import { loadReports, periodOf, ReportRequestError } from '../functions/report/load.js';
import { renderCsv, renderText } from '../functions/report/text.js';
import { CliError, type Command, EXIT, UsageError } from './args.js';
import { print, printJson } from './output.js';
import { surveyTable } from './target.js';

/** Where the buckets are: a deployed stack's table (`--table`, AWS credentials) or the sandbox running here. */
async function storeFor(table: string | undefined): Promise<{ store: DynamoAggregateStore; where: string }> {
  const { tableName, client, where } = await surveyTable(table);
  return { store: new DynamoAggregateStore(tableName, client), where };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'NPS/CSAT/CES over time per program and segment, with root causes (text, JSON, CSV, HTML)',
  help: `Usage:
  closeloop report [--program <id>] [--segment <s>] [--from yyyy-mm-dd] [--to yyyy-mm-dd]
                   [--granularity day|week|month] [--json | --csv | --html <file>]

Options:
  --program <id>        one program (default: all)
  --segment <s>         one segment (default: all customers, and each segment)
  --from, --to          the period (default: the last 90 days up to today)
  --granularity <g>     day, week (default) or month
  --json | --csv        machine-readable output
  --html <file>         write a self-contained HTML report with charts
  --table <name>        the stack's SurveyTableName output (default: CLOSELOOP_TABLE, else the sandbox running here)
  --catalog <file>      the catalog (default: CLOSELOOP_CATALOG, else the nearest closeloop.yaml)`,
  options: {
    table: { type: 'string' },
    program: { type: 'string' },
    segment: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    granularity: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    html: { type: 'string' },
    catalog: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(_, values) {
    const granularity = (values.granularity ?? 'week') as Granularity;
    if (!['day', 'week', 'month'].includes(granularity))
      throw new UsageError(`--granularity must be day, week or month, not "${values.granularity}"`, 'report');
    if ([values.json, values.csv, values.html].filter(Boolean).length > 1) throw new UsageError('choose one of --json, --csv, --html', 'report');
    let period;
    try {
      period = periodOf({ from: values.from as string | undefined, to: values.to as string | undefined });
    } catch (error) {
      throw new UsageError((error as Error).message, 'report');
    }
    const { store, where } = await storeFor(values.table as string | undefined);
    const catalog = loadCatalogFile(resolveCatalogPath({ flag: values.catalog as string | undefined }));
    let reports;
    try {
      reports = await loadReports(store, catalog, {
        period,
        granularity,
        programIds: values.program ? [values.program as string] : undefined,
        segments: values.segment ? [values.segment as string] : undefined,
      });
    } catch (error) {
      if (error instanceof ReportRequestError) throw new UsageError(error.message, 'report');
      throw new CliError(`Could not read ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (values.html) {
      writeFileSync(values.html as string, renderHtml(reports, new Date()));
      print(`Wrote ${values.html} (${reports.length} program/segment reports).`);
    } else if (values.json) printJson(reports);
    else if (values.csv) print(renderCsv(reports));
    else print(renderText(reports));
    return EXIT.ok;
  },
};
