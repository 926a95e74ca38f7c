import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { declaredCatalog, REMINDER_TEST_PROGRAM } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resource = { Properties: Record<string, any> };

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  const declared = declaredCatalog();
  template = Template.fromStack(testStack(testApp(), { ...declared, programs: [...declared.programs, REMINDER_TEST_PROGRAM] }));
  resources = template.toJSON().Resources;
});
afterAll(cleanUpApps);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => (r as { Type?: string }).Type === type);
const actionsOf = (statement: Statement) => [statement.Action].flat();
/** Every statement of the IAM policies attached to a role (by its logical id). */
const statementsOf = (roleId: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** The dispatch function: the one given the Scheduler role to pass, and its role. */
function dispatch() {
  const [, fn] = ofType('AWS::Lambda::Function').find(([, f]) => ENV.SCHEDULE_ROLE_ARN in (f.Properties.Environment?.Variables ?? {}))!;
  return { fn, variables: fn.Properties.Environment.Variables as Record<string, any>, roleId: fn.Properties.Role['Fn::GetAtt'][0] as string };
}

describe('the reminder in the stack', () => {
  it("the schedules' role may send to the queue dispatch reads (the buffer) and to its dead letters, and nothing else", () => {
    const { variables, fn } = dispatch();
    const [, source] = ofType('AWS::Lambda::EventSourceMapping').find(
      ([, mapping]) => JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify({ Ref: Object.keys(resources).find((id) => resources[id] === fn) }),
    )!;
    const bufferArn = source.Properties.EventSourceArn;
    // The reminder's schedule targets the same queue as a delayed survey's: the buffer dispatch consumes.
    expect(variables[ENV.SCHEDULE_TARGET_ARN]).toEqual(bufferArn);

    const schedulerRoleId = variables[ENV.SCHEDULE_ROLE_ARN]['Fn::GetAtt'][0] as string;
    expect(resources[schedulerRoleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
    ]);
    const statements = statementsOf(schedulerRoleId);
    const sendTo = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage')).map((s) => s.Resource);
    expect(sendTo).toEqual(expect.arrayContaining([bufferArn, variables[ENV.SCHEDULE_DEAD_LETTER_ARN]]));
    expect(sendTo).toHaveLength(2);
    expect(statements.flatMap(actionsOf).every((action) => action.startsWith('sqs:') || action.startsWith('kms:'))).toBe(true);
  });

  it('dispatch may create schedules in its group, pass only that role, read an invitation when a reminder fires, and never scan', () => {
    const { variables, roleId } = dispatch();
    const statements = statementsOf(roleId);
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['scheduler:CreateSchedule', 'iam:PassRole', 'dynamodb:GetItem', 'dynamodb:ConditionCheckItem']));
    expect(actions).not.toContain('dynamodb:Scan');
    const passRole = statements.find((s) => actionsOf(s).includes('iam:PassRole'))!;
    expect(passRole.Resource).toEqual(variables[ENV.SCHEDULE_ROLE_ARN]);
    const create = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'))!;
    expect(JSON.stringify(create.Resource)).toContain(':schedule/');
    expect(JSON.stringify(create.Resource)).not.toBe('"*"');
  });

  it('a catalog whose reminder outlives the link fails synth with the path named', () => {
    const declared = declaredCatalog();
    const tooLate = { ...REMINDER_TEST_PROGRAM, reminder: { after: `P${declared.invitationTtlDays}D` } };
    expect(() => testStack(testApp(), { ...declared, programs: [...declared.programs, tooLate] })).toThrow(
      /programs\.\d+\.reminder\.after: "P\d+D" is not shorter than the link's lifetime/,
    );
  });
});
