/**
 * Writes the files generated from the code (one source of truth): the JSON Schemas from the zod
 * schemas, the catalog reference and the CLI reference. A test fails when a committed one is stale.
 *   tsx scripts/schemas.ts   (npm run schemas)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogJsonSchema } from '../functions/config/catalog-schema.js';
import { COMMANDS, USAGE } from '../cli/closeloop.js';
import { catalogReference } from './catalog-doc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each generated file, by its path in the repo (and the package). */
export function generatedSchemas(): Record<string, string> {
  const schema = catalogJsonSchema();
  return {
    'schema/closeloop.schema.json': `${JSON.stringify(schema, null, 2)}\n`,
    'docs/catalog.md': catalogReference(schema, readFileSync(path.join(root, 'docs', 'catalog-intro.md'), 'utf8')),
    'docs/cli.md': cliReference(),
  };
}

/** Every command's --help, as the command prints it. */
function cliReference(): string {
  const sections = COMMANDS.map((command) => `## closeloop ${command.name}\n\n${command.summary}.\n\n\`\`\`\n${command.help}\n\`\`\`\n`);
  return `# The closeloop command\n\n<!-- Generated from cli/ by \`npm run schemas\`. -->\n\nInstalled with the package (\`npx closeloop …\`); in this repository \`npm run closeloop -- …\`.\n\n\`\`\`\n${USAGE}\n\`\`\`\n\n${sections.join('\n')}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(generatedSchemas())) {
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
