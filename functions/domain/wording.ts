import type { Invitation } from './invitation.js';
import { fill, fillStrict, messagesFor } from './messages.js';
import type { SurveyProgram } from './program.js';

/** Values for `{placeholders}`: brand, name and every scalar `context.<key>` of the event. */
export function templateValues(invitation: Invitation, brand: string): Record<string, string> {
  const values: Record<string, string> = { brand };
  if (invitation.customer.name) values.name = invitation.customer.name;
  for (const [key, value] of Object.entries(invitation.context)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) values[`context.${key}`] = String(value);
  }
  return values;
}

/** The program's own line for this locale when all its placeholders have values, else undefined. */
function programLine(lines: Partial<Record<string, string>> | undefined, invitation: Invitation, values: Record<string, string>): string | undefined {
  const template = lines?.[invitation.locale];
  return template ? fillStrict(template, values) : undefined;
}

/** The rating question, the same in the email and on the page: the program's wording, or the standard one. */
export function questionFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string): string {
  const values = templateValues(invitation, brand);
  return programLine(program?.question, invitation, values) ?? fill(messagesFor(invitation.locale).question[invitation.kind], values);
}

export function introFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string): string | undefined {
  return programLine(program?.intro, invitation, templateValues(invitation, brand));
}

export function secondQuestionFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string): string | undefined {
  return programLine(program?.secondQuestion, invitation, templateValues(invitation, brand));
}
