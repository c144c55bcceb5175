/**
 * Validators shared by flags and prompts. Each returns undefined when the
 * value is fine, or a phrase saying what is allowed; `check` turns that into
 * a UsageError that quotes the value.
 */
import { UsageError } from './errors.js';

export type Validator = (value: string) => string | undefined;

const NAME = /^[a-z][a-z0-9-]*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const stageName: Validator = (value) =>
  NAME.test(value) && value.length <= 40
    ? undefined
    : 'a stage name is lower-case letters, digits and dashes, starting with a letter';

export const projectName: Validator = (value) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)
    ? undefined
    : 'a project name is letters, digits, dots, dashes and underscores';

export const domain: Validator = (value) => {
  const labels = value.toLowerCase().split('.');
  const ok =
    value.length <= 253 && labels.length >= 1 && labels.every((label) => LABEL.test(label));
  return ok
    ? undefined
    : 'a domain is dot-separated labels of letters, digits and inner dashes (e.g. shop.example.com)';
};

export const host: Validator = (value) =>
  domain(value) === undefined || /^\d{1,3}(\.\d{1,3}){3}$/.test(value)
    ? undefined
    : 'a host is a domain name or an IPv4 address';

export const unitName: Validator = (value) =>
  /^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?$/.test(value) && value.length <= 255
    ? undefined
    : 'a systemd unit name is letters, digits and : _ . - (with an optional @instance)';

export const userName: Validator = (value) =>
  /^[a-z_][a-z0-9_-]*\$?$/.test(value) && value.length <= 32
    ? undefined
    : 'a user or group name is lower-case letters, digits, _ and -, starting with a letter or _';

export const remoteBase: Validator = (value) => {
  if (!value.startsWith('/')) return 'the deployment folder must be an absolute path';
  if (value.split('/').includes('..')) return 'the deployment folder must not contain ..';
  if (/[\s'"\\$`]/.test(value)) return 'the deployment folder must not contain spaces or quotes';
  return undefined;
};

export const positiveInteger: Validator = (value) =>
  /^[1-9][0-9]*$/.test(value) ? undefined : 'a positive whole number';

export const port: Validator = (value) =>
  /^[1-9][0-9]*$/.test(value) && Number(value) <= 65535 ? undefined : 'a port from 1 to 65535';

export const branchPattern: Validator = (value) => {
  if (value === '-') return undefined;
  try {
    new RegExp(value);
    return undefined;
  } catch {
    return 'a regular expression, or - for never';
  }
};

export const relativeFolder: Validator = (value) =>
  value !== '' && !value.startsWith('/') && !value.split('/').includes('..')
    ? undefined
    : 'a folder relative to the repository root, without ..';

export const urlPath: Validator = (value) =>
  /^\/[A-Za-z0-9._~\/-]*$/.test(value) ? undefined : 'a URL path starting with /';

export const moduleAttribute: Validator = (value) =>
  /^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(value) ? undefined : 'module:attribute, e.g. app.main:app';

const CRON_RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
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
  const ok = fields.length === 5 && fields.every((field, i) => cronField(field, CRON_RANGES[i]!));
  return ok
    ? undefined
    : 'five cron fields (minute hour day month weekday), each * or numbers in range';
};

export function oneOf(choices: readonly string[]): Validator {
  return (value) => (choices.includes(value) ? undefined : `one of ${choices.join(', ')}`);
}

/** Throw a UsageError quoting the value when the validator refuses it. */
export function check(flag: string, value: string, validator: Validator): string {
  const problem = validator(value);
  if (problem) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected ${problem}`);
  return value;
}

/** Split a comma list, check each item, refuse duplicates and empty items. */
export function checkList(flag: string, value: string, validator: Validator): string[] {
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) check(flag, item, validator);
  const duplicate = items.find((item, i) => items.indexOf(item) !== i);
  if (duplicate !== undefined) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: ${JSON.stringify(duplicate)} is listed twice`,
    );
  }
  return items;
}

/** The inquirer form of a validator: true, or the message to show. */
export function forPrompt(validator: Validator): (value: string) => true | string {
  return (value) => validator(value.trim()) ?? true;
}
