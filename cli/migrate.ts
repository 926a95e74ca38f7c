import { DynamoInvitationRepository } from '../functions/adapters/dynamo-invitation-repository.js';
import { CliError, type Command, EXIT } from './args.js';
import { print } from './output.js';
import { surveyTable } from './target.js';

/** `closeloop migrate`: the upgrade steps that rewrite data an earlier version left (docs/upgrading.md). */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'rewrite data an earlier version left in the survey table (suppression flags); idempotent',
  help: `Usage:
  closeloop migrate [--table <name>]

Flags every contact an earlier version suppressed on its rest item across programs, then writes the
marker that lets reservations rely on the flag alone (2 write units less per survey). Run it once
after the deploy has finished; running it again is harmless. See docs/upgrading.md.

Options:
  --table <name>        the stack's SurveyTableName output (default: CLOSELOOP_TABLE, else the sandbox running here)`,
  options: { table: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(_, values) {
    const { tableName, client, where } = await surveyTable(values.table as string | undefined);
    let flagged: number;
    try {
      flagged = await new DynamoInvitationRepository(tableName, client).migrateSuppressionFlags();
    } catch (error) {
      throw new CliError(`Could not migrate ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    print(`Suppression flags: ${flagged} suppressed contact${flagged === 1 ? '' : 's'} flagged in ${where}; the marker is written.`);
    return EXIT.ok;
  },
};
