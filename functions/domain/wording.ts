import type { Invitation } from './invitation.js';
import { fill, fillStrict, type Messages } from './messages.js';
import type { SurveyProgram } from './program.js';
import { displayValue } from './text.js';

const PLACEHOLDER = /\{([\w.]+)\}/g;

/**
 * Values for the `{placeholders}` the given templates use, and only those: brand, name and scalar
 * `context.<key>` of the event. Names and context values go through displayValue (domain/text.ts):
 * cleaned and cut — also those stored before the event contract's cleaning — and missing when they
 * look like a link or an address.
 */
export function templateValues(invitation: Invitation, brand: string, templates: readonly (string | undefined)[]): Record<string, string> {
  const used = new Set(templates.flatMap((template) => (template ? [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string) : [])));
  const values: Record<string, string> = {};
  for (const key of used) {
    if (key === 'brand') values.brand = brand;
    else if (key === 'name') {
      const name = displayValue(invitation.customer.name);
      if (name) values.name = name;
    } else if (key.startsWith('context.') && Object.hasOwn(invitation.context, key.slice(8))) {
      const value = invitation.context[key.slice(8)];
      const shown = ['string', 'number', 'boolean'].includes(typeof value) ? displayValue(String(value)) : undefined;
      // A value cleaned to nothing, or that looks like a link or an address, counts as missing: the line falls back.
      if (shown) values[key] = shown;
    }
  }
  return values;
}

/** The program's own line for this locale when all its placeholders have values, else undefined. */
function programLine(lines: Partial<Record<string, string>> | undefined, invitation: Invitation, brand: string): string | undefined {
  const template = lines?.[invitation.locale];
  return template ? fillStrict(template, templateValues(invitation, brand, [template])) : undefined;
}

/**
 * The rating question, the same in the email and on the page: the program's wording, or the
 * standard one of the invitation's locale bundle (`messages`).
 */
export function questionFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string, messages: Messages): string {
  const standard = messages.question[invitation.kind];
  return programLine(program?.question, invitation, brand) ?? fill(standard, templateValues(invitation, brand, [standard]));
}

export function introFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string): string | undefined {
  return programLine(program?.intro, invitation, brand);
}

export function secondQuestionFor(program: SurveyProgram | undefined, invitation: Invitation, brand: string): string | undefined {
  return programLine(program?.secondQuestion, invitation, brand);
}
