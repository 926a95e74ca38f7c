import { describe, expect, it } from 'vitest';
import type { StageManifest } from '../../functions/config/stages/manifest.js';
import { WIRING } from '../../functions/config/wiring.js';
import { bundledOperations, unreadVariables, unsentTableActions } from '../fixtures/manifest-checks.js';

/** The checks the wiring test runs on every manifest, shown to fail where they should. */
describe('manifest checks', () => {
  const manifest: StageManifest = {
    metrics: [],
    description: 'a stage',
    env: ['SURVEY_TABLE', 'EVENT_BUS_NAME'],
    optionalEnv: ['SLA_TIME_SCALE'],
    table: ['dynamodb:GetItem'],
  };

  it('names a declared variable the handler never reads, with its stage', () => {
    const source = "const env = readStageEnv('x');\nnew Repo(env.SURVEY_TABLE);\nconst scale = process.env[ENV.SLA_TIME_SCALE];";
    expect(unreadVariables('x', manifest, source)).toEqual(['x: declares EVENT_BUS_NAME, which its handler (functions/x/handler.ts) never reads']);
    expect(unreadVariables('x', manifest, `${source}\nnew Bus(env.EVENT_BUS_NAME);`)).toEqual([]);
    // A longer name that starts with the key is not a read of it.
    expect(unreadVariables('x', { ...manifest, env: ['SURVEY_TABLE'] }, 'env.SURVEY_TABLE_NAME; ENV.SLA_TIME_SCALE')).toHaveLength(1);
  });

  it('reads the operations a minified bundle can send from its command classes', () => {
    const bundle = 'var a=class extends rt(hr,ot,"GetItem",LA){};var b=class extends rt(hr,ot,"TransactWriteItems",LB){};var c="Query";';
    expect([...bundledOperations(bundle)].sort()).toEqual(['GetItem', 'TransactWriteItems']);
  });

  it('names a declared table action no command in the bundle sends, with its stage', () => {
    const bundle = 'var a=class extends rt(hr,ot,"GetItem",LA){};';
    expect(unsentTableActions('x', { ...manifest, table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'] }, bundle)).toEqual([
      'x: declares dynamodb:Query, but no command in its bundle (dist/functions/x) sends Query',
      'x: declares dynamodb:ConditionCheckItem, but no command in its bundle (dist/functions/x) sends TransactWriteItems',
    ]);
  });

  it('finds no unread variable in any stage of this repository', () => {
    for (const [stage, declared] of Object.entries(WIRING)) expect(unreadVariables(stage, declared), stage).toEqual([]);
  });
});
