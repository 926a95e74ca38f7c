import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Catalog } from '../functions/domain/program.js';
import type { Granularity } from '../functions/domain/report.js';
import type { AggregateStore } from '../functions/ports.js';
import { renderHtml } from '../functions/report/html.js';
import { loadReports, periodOf } from '../functions/report/load.js';

/** `GET /report?from=&to=&granularity=` on the sandbox: the HTML report, built from the live buckets. */
export function reportPage(store: AggregateStore, catalog: Catalog) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const query = event.queryStringParameters ?? {};
    try {
      const granularity = (['day', 'week', 'month'].includes(query.granularity ?? '') ? query.granularity : 'day') as Granularity;
      const reports = await loadReports(store, catalog, { period: periodOf({ from: query.from, to: query.to }), granularity });
      return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: renderHtml(reports, new Date()) };
    } catch (error) {
      return { statusCode: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: error instanceof Error ? error.message : String(error) };
    }
  };
}
