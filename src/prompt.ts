/**
 * The interactive side, loaded only when there is a terminal to ask on.
 */
import { checkbox, input, select } from '@inquirer/prompts';

import type { Question } from './questions.js';
import { forPrompt } from './validate.js';

export async function promptQuestion(
  question: Question,
  fallback: string | undefined,
): Promise<string> {
  if (question.kind === 'select') {
    const choices = Object.entries(question.choices!).map(([value, description]) => ({
      value,
      name: `${value} - ${description}`,
    }));
    return select({ message: question.message, choices, default: fallback });
  }
  if (question.kind === 'checkbox') {
    const chosen = new Set((fallback ?? '').split(','));
    const choices = Object.entries(question.choices!).map(([value, description]) => ({
      value,
      name: `${value} - ${description}`,
      checked: chosen.has(value),
    }));
    const picked = await checkbox({ message: question.message, choices });
    return picked.length > 0 ? picked.join(',') : 'none';
  }
  const validate = forPrompt(question.validate);
  return input({
    message: question.message,
    default: fallback,
    required: fallback === undefined,
    validate: question.list
      ? (value) =>
          value
            .split(',')
            .map((item) => validate(item.trim()))
            .find((r) => r !== true) ?? true
      : validate,
  });
}

/** Ask what to do with a file that exists and differs; true to overwrite. */
export async function chooseForConflict(path: string, diff: string): Promise<boolean> {
  for (;;) {
    const choice = await select({
      message: `${path} exists and differs`,
      choices: [
        { value: 'skip', name: 'skip: keep my file' },
        { value: 'overwrite', name: 'overwrite it' },
        { value: 'diff', name: 'show the diff' },
      ],
    });
    if (choice === 'diff') process.stdout.write(diff);
    else return choice === 'overwrite';
  }
}
