import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Built once per cold start. Log business keys (program, eventId), never personal data. */
export const logger = new Logger({ serviceName: 'closeloop' });
export const metrics = new Metrics({ namespace: 'Closeloop', serviceName: 'closeloop' });
