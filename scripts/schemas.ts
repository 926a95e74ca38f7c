/**
 * Writes the files generated from the code (one source of truth): the JSON Schemas from the zod
 * schemas, the catalog reference and the CLI reference. A test fails when a committed one is stale.
 *   tsx scripts/schemas.ts   (npm run schemas)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, USAGE } from '../cli/closeloop.js';
import { loadCatalogFile } from '../functions/config/catalog-file.js';
import { catalogJsonSchema } from '../functions/config/catalog-schema.js';
import { eventContractJsonSchema, followUpMessageJsonSchema, integrationEventJsonSchema, triggerFileName } from '../functions/config/contracts.js';
import { INTEGRATION_DETAIL_TYPES } from '../functions/domain/integration-event-schemas.js';
import { triggersOf } from '../functions/domain/program.js';
import { asyncApiDocument, openApiDocument } from './api-docs.js';
import { catalogReference } from './catalog-doc.js';
import { withStagesTable } from './stages-doc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The contracts' JSON Schemas: in schema/ what holds for every catalog (event contract v1, the
 * integration events, the follow-up message); in docs/schemas/events/ event contract v1 per trigger
 * of the demo catalog (closeloop.yaml), as an adopter's stack puts its own in the schema registry.
 */
export function contractSchemas(): Record<string, string> {
  const files: Record<string, string> = {
    'schema/event-contract-v1.schema.json': json(eventContractJsonSchema()),
    'schema/follow-up-message.schema.json': json(followUpMessageJsonSchema()),
  };
  for (const detailType of INTEGRATION_DETAIL_TYPES)
    files[`schema/integration-events/${detailType}.schema.json`] = json(integrationEventJsonSchema(detailType));
  const demo = loadCatalogFile(path.join(root, 'closeloop.yaml'));
  files['docs/openapi.json'] = json(openApiDocument());
  files['docs/asyncapi.json'] = json(asyncApiDocument(demo));
  for (const trigger of triggersOf(demo)) files[`docs/schemas/events/${triggerFileName(trigger)}.schema.json`] = json(eventContractJsonSchema(trigger));
  return files;
}

/** Each generated file, by its path in the repo (and the package). */
export function generatedSchemas(): Record<string, string> {
  const schema = catalogJsonSchema();
  return {
    ...contractSchemas(),
    'schema/closeloop.schema.json': json(schema),
    'docs/catalog.md': catalogReference(schema, readFileSync(path.join(root, 'docs', 'catalog-intro.md'), 'utf8')),
    'docs/cli.md': cliReference(),
    'docs/contributing.md': withStagesTable(readFileSync(path.join(root, 'docs', 'contributing.md'), 'utf8')),
  };
}

/** Every command's --help, as the command prints it. */
function cliReference(): string {
  const sections = COMMANDS.map((command) => `## closeloop ${command.name}\n\n${command.summary}.\n\n\`\`\`\n${command.help}\n\`\`\`\n`);
  return `# The closeloop command\n\n<!-- Generated from cli/ by \`npm run schemas\`. -->\n\nInstalled with the package (\`npx closeloop …\`); in this repository \`npm run closeloop -- …\`.\n\n\`\`\`\n${USAGE}\n\`\`\`\n\n${sections.join('\n')}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(generatedSchemas())) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
