/**
 * The interactive side, loaded only when there is a terminal to ask on.
 * Prompts refuse exactly what the flags refuse: both use problemOf.
 */
import checkbox from '@inquirer/checkbox';
import input from '@inquirer/input';
import select from '@inquirer/select';

import { problemOf, type Question, type Raw } from './questions.js';

function validator(question: Question, raw: Raw): (value: string) => true | string {
  return (value) => {
    const trimmed = value.trim();
    return problemOf(question, trimmed) ?? question.refine?.(trimmed, raw) ?? true;
  };
}

export async function promptQuestion(
  question: Question,
  fallback: string | undefined,
  raw: Raw,
): Promise<string> {
  const validate = validator(question, raw);
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
    const picked = await checkbox({
      message: question.message,
      choices,
      validate: (items) => validate(items.map((item) => item.value).join(',') || 'none'),
    });
    return picked.length > 0 ? picked.join(',') : 'none';
  }
  return input({
    message: question.message,
    default: fallback,
    required: fallback === undefined,
    validate,
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
