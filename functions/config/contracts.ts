import * as z from 'zod/mini';
import { producerEventSchema } from '../domain/event.js';
import { followUpMessageSchema } from '../domain/follow-up-message.js';
import { INTEGRATION_EVENT_SCHEMAS, type IntegrationDetailType } from '../domain/integration-event-schemas.js';
import { INTEGRATION_SOURCE } from '../domain/integration-events.js';
import type { Trigger } from '../domain/program.js';

/**
 * The contracts as JSON Schema and OpenAPI, generated from the zod schemas (one source of truth):
 * the files in schema/ and docs/schemas/ (npm run schemas), the EventBridge schema registry the
 * construct creates, and the AsyncAPI document. Producers in any language validate against these.
 */
export type JsonSchema = Record<string, unknown>;

/** Where the schemas say they come from ($id); not fetched by anything. */
export const SCHEMA_ID_BASE = 'https://closeloop.dev/schemas';

const CONTRACT_NOTE =
  'customer.timeZone must also be an IANA time zone the runtime knows (e.g. "Europe/Zagreb"): Closeloop checks that against the time zone database, which a JSON Schema cannot express.';

/** A file name part for a trigger: `shop.orders.OrderDelivered`. */
export const triggerFileName = (trigger: Trigger) => `${trigger.source}.${trigger.detailType}`.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * zod writes an email as `format: "email"` plus its own pattern. Validators disagree on what the
 * format means (ajv-formats refuses `a@b-.co`, which zod takes): the pattern alone is zod's rule, so
 * every validator gives zod's verdict. (`date-time` stays: its pattern is stricter than any reading of the format.)
 */
function portable<T>(node: T): T {
  if (Array.isArray(node)) return node.map(portable) as T;
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).filter(([key, value]) => !(key === 'format' && value === 'email' && 'pattern' in node));
  return Object.fromEntries(entries.map(([key, value]) => [key, portable(value)])) as T;
}

function withHeader(generated: JsonSchema, id: string, title: string, description: string): JsonSchema {
  const { $schema, ...rest } = portable(generated);
  return { $schema, $id: `${SCHEMA_ID_BASE}/${id}`, title, description, ...rest };
}

/** Event contract v1 as an EventBridge event (the form rules deliver); with a trigger, for that trigger only. */
export function eventContractJsonSchema(trigger?: Trigger): JsonSchema {
  const schema = z.toJSONSchema(producerEventSchema(trigger), { io: 'input' }) as JsonSchema;
  return trigger
    ? withHeader(
        schema,
        `events/${triggerFileName(trigger)}.json`,
        `${trigger.detailType} from ${trigger.source} (Closeloop event contract v1)`,
        `The event that starts or cancels a survey program. Put it with PutEvents: Source "${trigger.source}", DetailType "${trigger.detailType}", Detail = the JSON text of \`detail\`. ${CONTRACT_NOTE}`,
      )
    : withHeader(
        schema,
        'event-contract/v1.json',
        'Closeloop event contract v1',
        `What business systems put on the Closeloop bus, as the event its rules deliver: PutEvents' Source, DetailType and Detail (JSON text) become source, detail-type and detail. The catalog's triggers say which source and detail-type start a program. ${CONTRACT_NOTE}`,
      );
}

/** The EventBridge zod schema of one integration event: `source: "closeloop"`, its detail-type, its detail. */
export const integrationEventSchema = (detailType: IntegrationDetailType) =>
  z.object({ source: z.literal(INTEGRATION_SOURCE), 'detail-type': z.literal(detailType), detail: INTEGRATION_EVENT_SCHEMAS[detailType] });

export function integrationEventJsonSchema(detailType: IntegrationDetailType): JsonSchema {
  const schema = z.toJSONSchema(integrationEventSchema(detailType), { io: 'input' }) as JsonSchema;
  const detail = (schema.properties as Record<string, JsonSchema>).detail!;
  return withHeader(
    schema,
    `integration-events/${detailType}.json`,
    `${detailType} (Closeloop integration event)`,
    `${String(detail.description ?? '')} Subscribe with a rule on Closeloop's bus: { "source": ["closeloop"], "detail-type": ["${detailType}"] }.`.trim(),
  );
}

export function followUpMessageJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(followUpMessageSchema, { io: 'input' }) as JsonSchema;
  const { description, ...rest } = schema;
  return withHeader(rest, 'follow-up-message/v1.json', 'Closeloop follow-up message, contract v1', String(description));
}

/** OpenAPI 3.0 schema objects of a zod schema, with every nested object a named component (code bindings give each a class). */
function openApiComponents(name: string, schema: z.ZodMiniType): Record<string, JsonSchema> {
  const components: Record<string, JsonSchema> = {};
  const pascal = (key: string) => key.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());
  const hoist = (node: JsonSchema, at: string): JsonSchema => {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return node;
    const lifted = Object.fromEntries(
      Object.entries(properties).map(([key, child]) => {
        if (!child.properties) return [key, child];
        const childName = `${at}${pascal(key)}`;
        components[childName] = hoist(child, childName);
        return [key, { $ref: `#/components/schemas/${childName}` }];
      }),
    );
    return { ...node, properties: lifted };
  };
  components[name] = hoist(portable(z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) as JsonSchema), name);
  return components;
}

/** One schema of the EventBridge schema registry: its name (`source@DetailType`, as EventBridge names discovered schemas) and OpenAPI 3 content. */
export interface RegistrySchema {
  readonly name: string;
  readonly description: string;
  readonly content: string;
}

/**
 * The registry's form (type OpenApi3): the EventBridge envelope as `AWSEvent` with the source and
 * detail-type extensions, its detail a component: what the console and `aws schemas
 * get-code-binding-source` turn into Java, Python, TypeScript and Go classes.
 */
function registrySchema(source: string, detailType: string, detail: z.ZodMiniType, description: string): RegistrySchema {
  const detailName = detailType.replace(/[^A-Za-z0-9]/g, '') || 'Detail';
  const document = {
    openapi: '3.0.0',
    info: { version: '1.0.0', title: detailType },
    paths: {},
    components: {
      schemas: {
        AWSEvent: {
          type: 'object',
          required: ['detail-type', 'resources', 'detail', 'id', 'source', 'time', 'region', 'version', 'account'],
          'x-amazon-events-detail-type': detailType,
          'x-amazon-events-source': source,
          properties: {
            detail: { $ref: `#/components/schemas/${detailName}` },
            account: { type: 'string' },
            'detail-type': { type: 'string' },
            id: { type: 'string' },
            region: { type: 'string' },
            resources: { type: 'array', items: { type: 'string' } },
            source: { type: 'string' },
            time: { type: 'string', format: 'date-time' },
            version: { type: 'string' },
          },
        },
        ...openApiComponents(detailName, detail),
      },
    },
  };
  return { name: `${source}@${detailType}`, description, content: JSON.stringify(document) };
}

/** Every schema the registry holds: event contract v1 per trigger, then each integration event (a trigger named like one is that one). */
export function registrySchemas(triggers: readonly Trigger[]): RegistrySchema[] {
  const integration = Object.entries(INTEGRATION_EVENT_SCHEMAS).map(([detailType, detail]) =>
    registrySchema(INTEGRATION_SOURCE, detailType, detail, `Closeloop integration event ${detailType}`),
  );
  const names = new Set(integration.map((s) => s.name));
  const contract = triggers
    .map((t) =>
      registrySchema(
        t.source,
        t.detailType,
        producerEventSchema(t).shape.detail,
        `Event contract v1: ${t.detailType} from ${t.source} starts or cancels a survey`,
      ),
    )
    .filter((s) => !names.has(s.name));
  return [...contract, ...integration];
}
