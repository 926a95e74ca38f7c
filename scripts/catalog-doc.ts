/**
 * docs/catalog.md: the hand-written introduction (docs/catalog-intro.md) followed by the field
 * reference generated from the catalog's JSON Schema, so the reference cannot drift from the schema.
 */
interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (schema.type === 'array' && schema.items) return `list of ${typeOf(schema.items)}`;
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    const keys = schema.propertyNames?.enum ? `locale (${schema.propertyNames.enum.join(', ')})` : 'name';
    return `map: ${keys} → ${typeOf(schema.additionalProperties)}`;
  }
  const bounds = [
    schema.exclusiveMinimum !== undefined
      ? `> ${schema.exclusiveMinimum}`
      : schema.minimum !== undefined && schema.minimum > -1e15
        ? `≥ ${schema.minimum}`
        : '',
    schema.maximum !== undefined && schema.maximum < 1e15 ? `≤ ${schema.maximum}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${schema.type ?? 'any'}${bounds ? ` (${bounds})` : ''}`;
}

function rows(schema: JsonSchema, path: string, out: string[]): void {
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (key === '$schema') continue;
    const at = path ? `${path}.${key}` : key;
    out.push(`| \`${at}\` | ${cell(typeOf(child))} | ${required.has(key) ? 'yes' : ''} | ${cell(child.description ?? '')} |`);
    const inner = child.type === 'array' ? child.items : child;
    const innerPath = child.type === 'array' ? `${at}[]` : at;
    if (inner?.properties) rows(inner, innerPath, out);
    else if (inner?.additionalProperties && typeof inner.additionalProperties === 'object' && inner.additionalProperties.properties) {
      rows(inner.additionalProperties, `${innerPath}.<name>`, out);
    }
  }
}

export function catalogReference(schema: JsonSchema, intro: string): string {
  const out = [
    intro.trim(),
    '',
    '## Reference',
    '',
    '<!-- Generated from schema/closeloop.schema.json by `npm run schemas`; edit functions/config/catalog-schema.ts, not this table. -->',
    '',
    `${schema.description ?? ''} Every key below is checked; any other key is an error.`,
    '',
    '| key | type | required | meaning |',
    '| --- | --- | --- | --- |',
  ];
  rows(schema, '', out);
  return `${out.join('\n')}\n`;
}
