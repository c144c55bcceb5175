/**
 * Validators shared by flags, prompts and `mcc check`. Each returns undefined
 * when the value is fine, or a phrase saying what is allowed ("expected …"
 * reads naturally before it); `check` turns that into a UsageError that
 * quotes the value.
 */
import { parse as parseShell } from 'shell-quote';

import { UsageError } from './errors.js';

export type Validator = (value: string) => string | undefined;

const NAME = /^[a-z][a-z0-9-]*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const stageName: Validator = (value) =>
  NAME.test(value) && value.length <= 40
    ? undefined
    : 'a stage name: lower-case letters, digits and dashes, starting with a letter (e.g. prod)';

export const projectName: Validator = (value) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)
    ? undefined
    : 'a project name: letters, digits, dots, dashes and underscores';

export const domain: Validator = (value) => {
  // Domain names are case-insensitive: callers keep them in lower case.
  const labels = value.toLowerCase().split('.');
  // An all-digit last label would make 300.1.1.1 a domain name.
  return value.length <= 253 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels.at(-1)!)
    ? undefined
    : 'a domain name: dot-separated labels of letters, digits and inner dashes, with no ' +
        'spaces, underscores or empty labels (e.g. shop.example.com)';
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const host: Validator = (value) =>
  domain(value) === undefined || IPV4.test(value)
    ? undefined
    : 'a host: a domain name (e.g. app.example.com) or an IPv4 address';

// systemd's own rule: ASCII letters, digits and :-_.\ ; a template needs its instance.
export const unitName: Validator = (value) =>
  /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_\\-][A-Za-z0-9:_.\\-]*)?$/.test(value) &&
  value.length <= 255 &&
  !value.startsWith('-')
    ? undefined
    : 'a systemd unit name: letters, digits and : _ . - (e.g. notes-api or worker@1)';

/** The unit systemd means: notes-api and notes-api.service are the same one. */
export const unitKey = (unit: string): string => unit.replace(/\.service$/, '');

/** Domain names are case-insensitive: two spellings of one are the same domain. */
export const domainKey = (domain: string): string => domain.toLowerCase();

/**
 * The first item of a list that comes twice, said as a problem, or undefined.
 * Two items are the same when their keys are (a domain's is in lower case).
 */
export function listedTwice(
  items: readonly unknown[],
  key: (item: string) => string = (item) => item,
): string | undefined {
  const keys = items.map((item) => (typeof item === 'string' ? key(item) : item));
  const second = keys.findIndex((item, i) => keys.indexOf(item) !== i);
  if (second === -1) return undefined;
  const [one, other] = [items[keys.indexOf(keys[second])], items[second]];
  return one === other
    ? `${JSON.stringify(one)} is listed twice`
    : `${JSON.stringify(one)} and ${JSON.stringify(other)} are the same: list it once`;
}

export const userName: Validator = (value) =>
  /^[a-z_][a-z0-9_-]*\$?$/.test(value) && value.length <= 32
    ? undefined
    : 'a user or group name: lower-case letters, digits, _ and -, starting with a letter or _';

export const remoteBase: Validator = (value) => {
  if (!value.startsWith('/')) return 'an absolute path (e.g. /srv/notes-{stage})';
  if (value.split('/').includes('..')) return 'an absolute path without ..';
  if (/^\/+$/.test(value)) return 'a folder below /, not / itself';
  if (/[\s'"\\$`;&|*?<>]/.test(value)) return 'a path without spaces, quotes or shell characters';
  return undefined;
};

export const positiveInteger: Validator = (value) =>
  /^[1-9][0-9]*$/.test(value) && Number.isSafeInteger(Number(value))
    ? undefined
    : 'a positive whole number (e.g. 10)';

export const port: Validator = (value) =>
  /^[1-9][0-9]*$/.test(value) && Number(value) <= 65535 ? undefined : 'a port from 1 to 65535';

export const regularExpression: Validator = (value) => {
  try {
    new RegExp(value);
    return undefined;
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    return `a valid regular expression (${reason})`;
  }
};

export const branchPattern: Validator = (value) => {
  if (value === '-') return undefined;
  const problem = regularExpression(value);
  return problem && `${problem}, or - for never`;
};

export const relativeFolder: Validator = (value) =>
  value !== '' && !value.startsWith('/') && !value.split('/').includes('..')
    ? undefined
    : 'a folder relative to the repository root, without ..';

export const urlPath: Validator = (value) =>
  /^\/[A-Za-z0-9._~\/-]*$/.test(value) && !value.split('/').some((part) => /^\.\.?$/.test(part))
    ? undefined
    : 'a URL path: / then letters, digits and . _ ~ - / only, no . or .. parts (e.g. /api/health)';

export const moduleAttribute: Validator = (value) =>
  /^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(value) ? undefined : 'module:attribute, e.g. app.main:app';

/** A command run without a shell, so only plain words (quotes are fine). */
export const commandWords: Validator = (value) => {
  if (value.trim() === '') return 'a command, or none';
  if (/[$`]/.test(value)) return 'plain words, without $ or backquotes';
  if (!/^(?:[^'"\\]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")*$/.test(value))
    return 'words with balanced quotes';
  return parseShell(value).every((word) => typeof word === 'string')
    ? undefined
    : 'plain words, without shell operators such as && | ; > <';
};

const CRON_FIELDS: [string, [number, number]][] = [
  ['a minute', [0, 59]],
  ['an hour', [0, 23]],
  ['a day', [1, 31]],
  ['a month', [1, 12]],
  ['a weekday', [0, 7]],
];

function cronField(field: string, [low, high]: [number, number]): boolean {
  return field.split(',').every((part) => {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return false;
    const [, , from, to, step] = match;
    const inRange = (n: string | undefined) => n === undefined || (+n >= low && +n <= high);
    if (step !== undefined && +step < 1) return false;
    return inRange(from) && inRange(to) && (to === undefined || +to >= +(from ?? low));
  });
}

export const cronSchedule: Validator = (value) => {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5) {
    return (
      'five cron fields: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-7, ' +
      'each *, a number, a range a-b, a list or a /step (e.g. "15 3 * * *")'
    );
  }
  const bad = fields.findIndex((field, i) => !cronField(field, CRON_FIELDS[i]![1]));
  if (bad === -1) return undefined;
  const [what, [low, high]] = CRON_FIELDS[bad]!;
  return (
    `${what} from ${low} to ${high} as field ${bad + 1} (*, a number, a range a-b, ` +
    `a list or a /step), not ${JSON.stringify(fields[bad])}`
  );
};

export function oneOf(choices: readonly string[]): Validator {
  return (value) => (choices.includes(value) ? undefined : `one of ${choices.join(', ')}`);
}

/**
 * What is wrong with a comma list, checked item by item, or undefined. Two
 * items are the same when their keys are (a domain's key is in lower case).
 */
export function listProblem(
  value: string,
  validator: Validator,
  key: (item: string) => string = (item) => item,
): string | undefined {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) return 'a comma-separated list without empty items';
  for (const item of items) {
    const problem = validator(item);
    if (problem && items.length === 1) return `expected ${problem}`;
    if (problem) return `${JSON.stringify(item)} is not allowed: expected ${problem}`;
  }
  return listedTwice(items, key);
}

function usage(flag: string, value: string, problem: string): UsageError {
  return new UsageError(`${flag} ${JSON.stringify(value)}: ${problem}`);
}

/** Throw a UsageError quoting the value when the validator refuses it. */
export function check(flag: string, value: string, validator: Validator): string {
  const problem = validator(value);
  if (problem) throw usage(flag, value, `expected ${problem}`);
  return value;
}

/** Split a comma list, check each item, refuse duplicates and empty items. */
export function checkList(flag: string, value: string, validator: Validator): string[] {
  const problem = listProblem(value, validator);
  if (problem) throw usage(flag, value, problem);
  return value.split(',').map((item) => item.trim());
}

/** The inquirer form of a validator: true, or the message to show. */
export function forPrompt(validator: Validator): (value: string) => true | string {
  return (value) => {
    const problem = validator(value.trim());
    return problem ? `expected ${problem}` : true;
  };
}
