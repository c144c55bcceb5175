/**
 * The questions of create-mcc-pipeline, as data: each is also a flag, has a
 * validator shared with the prompt, and a default from detection or from an
 * earlier answer. `ask` walks the table; `toAnswers` turns the raw strings
 * into the answers model.
 */
import { userInfo } from 'node:os';
import { parse as parseShell } from 'shell-quote';

import type { Answers, Database, FrontendName, MigrationTool, Tenancy } from './answers.js';
import {
  CRON_JOBS,
  DATABASES,
  DEFAULT_HEALTH_PATH,
  DEPLOY_STAGES,
  FRONTENDS,
  HANDLER_STAGES,
  MIGRATION_TOOLS,
  OTHER_STAGE,
  TENANCIES,
} from './choices.js';
import type { Detected } from './detect.js';
import { UsageError } from './errors.js';
import * as v from './validate.js';

export type Raw = Record<string, string>;

export interface Question {
  /** The raw answer's key, and the flag: key `remoteBase` is `--remote-base`. */
  key: string;
  message: string;
  kind: 'text' | 'select' | 'checkbox';
  choices?: Record<string, string>;
  validate: v.Validator;
  /** Comma lists are checked item by item; `none` stands for the empty list. */
  list?: boolean;
  /** A check against earlier answers, once those are known. */
  refine?: (value: string, raw: Raw) => string | undefined;
  when?: (raw: Raw) => boolean;
  /** When the question applies, in words: what a flag given outside it is told. */
  whenText?: string;
  /** undefined: the question has no default and must be answered. */
  default: (detected: Detected, raw: Raw) => string | undefined;
}

export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const deploymentStageName: v.Validator = (value) => {
  if (value in HANDLER_STAGES)
    return `a deployment stage name; ${value} is added with mcc add stage`;
  if (value.startsWith('rollback-'))
    return 'a stage name not starting with rollback- (those come with their stage)';
  return v.stageName(value);
};
const hasDatabase = (raw: Raw) => raw.database !== 'none';
const hasFrontend = (raw: Raw) => raw.frontend !== 'none';
const commandText: v.Validator = (value) => (value === 'none' ? undefined : v.commandWords(value));
const cronName: v.Validator = (value) =>
  value in CRON_JOBS ? undefined : `one of ${Object.keys(CRON_JOBS).join(', ')}`;

export const QUESTIONS: Question[] = [
  {
    key: 'project',
    message: 'Project name',
    kind: 'text',
    validate: v.projectName,
    default: (d) => d.project,
  },
  {
    key: 'backend',
    message: 'Back-end folders to ship (comma-separated)',
    kind: 'text',
    list: true,
    validate: v.relativeFolder,
    default: (d) => (d.backend.length > 0 ? d.backend.join(',') : undefined),
  },
  {
    key: 'testCommand',
    message: 'Test command, run with uv run (or none)',
    kind: 'text',
    validate: commandText,
    default: (d) => (d.testCommand.length > 0 ? d.testCommand.join(' ') : 'none'),
  },
  {
    key: 'frontend',
    message: 'Front end',
    kind: 'select',
    choices: {
      none: 'no front end',
      ...Object.fromEntries(Object.entries(FRONTENDS).map(([k, f]) => [k, f.description])),
    },
    validate: v.oneOf(['none', ...Object.keys(FRONTENDS)]),
    default: (d) => d.frontend?.kind ?? 'none',
  },
  {
    key: 'frontendFolder',
    message: 'Front-end folder',
    kind: 'text',
    validate: v.relativeFolder,
    when: hasFrontend,
    whenText: 'with --frontend angular or npm',
    default: (d) => d.frontend?.folder ?? 'frontend',
  },
  {
    key: 'frontendBuild',
    message: 'Front-end build command',
    kind: 'text',
    validate: commandText,
    when: hasFrontend,
    whenText: 'with --frontend angular or npm',
    default: (_d, raw) => FRONTENDS[raw.frontend as FrontendName].build.join(' '),
  },
  {
    key: 'frontendDist',
    message: 'Folder the front-end build writes',
    kind: 'text',
    validate: v.relativeFolder,
    when: hasFrontend,
    whenText: 'with --frontend angular or npm',
    default: (d, raw) =>
      FRONTENDS[raw.frontend as FrontendName].dist(raw.frontendFolder!, raw.project ?? d.project),
  },
  {
    key: 'tenancy',
    message: 'Tenancy',
    kind: 'select',
    choices: TENANCIES,
    validate: v.oneOf(Object.keys(TENANCIES)),
    default: () => 'single',
  },
  {
    key: 'domains',
    message: 'Customer domains (comma-separated)',
    kind: 'text',
    list: true,
    validate: v.domain,
    when: (raw) => raw.tenancy === 'multi',
    whenText: 'with --tenancy multi',
    default: () => undefined,
  },
  {
    key: 'database',
    message: 'Database',
    kind: 'select',
    choices: DATABASES,
    validate: v.oneOf(Object.keys(DATABASES)),
    default: () => 'sqlite',
  },
  {
    key: 'migrations',
    message: 'Migrations',
    kind: 'select',
    choices: MIGRATION_TOOLS,
    validate: v.oneOf(Object.keys(MIGRATION_TOOLS)),
    when: hasDatabase,
    whenText: 'with --database sqlite or postgres',
    default: () => 'sql',
  },
  {
    key: 'services',
    message: 'systemd units to restart (comma-separated, e.g. api and worker)',
    kind: 'text',
    list: true,
    validate: v.unitName,
    refine: (value) => {
      const units = value.split(',').map((unit) => v.unitKey(unit.trim()));
      const twice = units.find((unit, i) => units.indexOf(unit) !== i);
      return twice && `${twice} and ${twice}.service are the same unit: list it once`;
    },
    default: (d, raw) => raw.project ?? d.project,
  },
  {
    key: 'cron',
    message: 'Cron jobs',
    kind: 'checkbox',
    choices: Object.fromEntries(Object.entries(CRON_JOBS).map(([k, j]) => [k, j.description])),
    list: true,
    validate: cronName,
    refine: (value, raw) =>
      !hasDatabase(raw) && value.split(',').includes('backup')
        ? 'the backup job needs a database: drop backup or pick --database sqlite or postgres'
        : undefined,
    default: (_d, raw) => (hasDatabase(raw) ? 'backup' : 'none'),
  },
  {
    key: 'stages',
    message: 'Deployment stages (comma-separated)',
    kind: 'text',
    list: true,
    validate: deploymentStageName,
    default: () => 'prod,dev',
  },
  {
    key: 'keepBuilds',
    message: 'Releases to keep on the server',
    kind: 'text',
    validate: v.positiveInteger,
    default: () => '10',
  },
  {
    key: 'remoteHost',
    message: 'Server host name ({stage} stands for the stage)',
    kind: 'text',
    validate: (value) => v.host(value.replaceAll('{stage}', 'stage')),
    default: () => undefined,
  },
  {
    key: 'remoteUser',
    message: 'User that deploys and owns the deployment folder',
    kind: 'text',
    validate: v.userName,
    default: () => userInfo().username,
  },
  {
    key: 'remoteBase',
    message: 'Deployment folder on the server ({stage} stands for the stage)',
    kind: 'text',
    validate: v.remoteBase,
    default: (d, raw) => `/srv/${raw.project ?? d.project}-{stage}`,
  },
  {
    key: 'dirUser',
    message: 'User the services run as (DIR_USER)',
    kind: 'text',
    validate: v.userName,
    default: () => 'www-data',
  },
  {
    key: 'dirGroup',
    message: 'Group of the deployed files (DIR_GROUP)',
    kind: 'text',
    validate: v.userName,
    default: (_d, raw) => raw.remoteUser,
  },
  {
    key: 'apiPort',
    message: 'Port the API listens on',
    kind: 'text',
    validate: v.port,
    default: () => '8000',
  },
  {
    key: 'healthPath',
    message: 'Health URL path of the API',
    kind: 'text',
    validate: v.urlPath,
    default: () => DEFAULT_HEALTH_PATH,
  },
  {
    key: 'appModule',
    message: 'ASGI application that `mcc try` serves (module:attribute)',
    kind: 'text',
    validate: v.moduleAttribute,
    default: (d) => d.appModule,
  },
];

/** What is wrong with a raw answer on its own, or undefined. */
export function problemOf(question: Question, value: string): string | undefined {
  if (question.list) {
    const key = question.key === 'domains' ? v.domainKey : undefined;
    return value === 'none' ? undefined : v.listProblem(value, question.validate, key);
  }
  const problem = question.validate(value);
  return problem && `expected ${problem}`;
}

function checkRaw(question: Question, value: string, raw?: Raw): string {
  const problem = problemOf(question, value) ?? (raw && question.refine?.(value, raw));
  if (problem) throw new UsageError(`${flagOf(question.key)} ${JSON.stringify(value)}: ${problem}`);
  return value;
}

/** Check every flag given, before any question is asked or file written. */
export function checkFlags(flags: Raw): void {
  for (const question of QUESTIONS) {
    const value = flags[question.key];
    if (value !== undefined) checkRaw(question, value);
  }
}

export type Prompter = (
  question: Question,
  fallback: string | undefined,
  raw: Raw,
) => Promise<string>;

function describe(question: Question): string {
  return question.message.replace(/ \(.*\)$/, '').toLowerCase();
}

/**
 * Answer every question that applies: from its flag, else by prompting when
 * a prompter is given, else from its default. Without a prompter, the
 * questions that have no default are reported together, naming their flags.
 */
/** Domain names are case-insensitive: keep one spelling, so duplicates show. */
function normalise(question: Question, value: string): string {
  return question.key === 'domains' ? v.domainKey(value) : value;
}

/** Refuse a flag whose question does not apply to the other answers. */
export function checkApplies(flags: Raw, raw: Raw): void {
  for (const question of QUESTIONS) {
    const given = flags[question.key];
    if (given === undefined || !question.when || question.when(raw)) continue;
    throw new UsageError(
      `${flagOf(question.key)} ${JSON.stringify(given)}: only used ${question.whenText}`,
    );
  }
}

export async function ask(flags: Raw, detected: Detected, prompt: Prompter | null): Promise<Raw> {
  const raw: Raw = {};
  const missing: Question[] = [];
  for (const question of QUESTIONS) {
    if (question.when && !question.when(raw)) continue;
    const given = flags[question.key];
    const fallback = question.default(detected, raw);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (prompt) value = await prompt(question, fallback, raw);
    else value = fallback;
    if (value === undefined) missing.push(question);
    else raw[question.key] = normalise(question, checkRaw(question, value.trim(), raw));
  }
  if (missing.length > 0) {
    const needs = missing.map((q) => `${flagOf(q.key)} (${describe(q)})`).join(', ');
    const them = missing.length === 1 ? 'it as a flag' : 'them as flags';
    throw new UsageError(`no default for ${needs}: pass ${them}, or run in a terminal to be asked`);
  }
  return raw;
}

function list(value: string | undefined): string[] {
  if (!value || value === 'none') return [];
  return value.split(',').map((item) => item.trim());
}

function words(value: string): string[] {
  if (value === 'none') return [];
  // commandWords has refused anything but plain words already.
  return parseShell(value).map(String);
}

export function toAnswers(raw: Raw): Answers {
  const stageNames = list(raw.stages);
  const perStage = (value: string, stage: string) => value.replaceAll('{stage}', stage);
  const frontend = raw.frontend === 'none' ? null : (raw.frontend as FrontendName);
  const cron = list(raw.cron);
  return {
    project: raw.project!,
    backend: list(raw.backend),
    testCommand: words(raw.testCommand!),
    frontend: frontend && {
      kind: frontend,
      folder: raw.frontendFolder!,
      build: words(raw.frontendBuild!),
      dist: raw.frontendDist!,
    },
    tenancy: raw.tenancy as Tenancy,
    domains: list(raw.domains),
    database: raw.database as Database,
    migrations: (raw.migrations ?? 'sql') as MigrationTool,
    services: list(raw.services),
    cron,
    stages: stageNames.map((name) => ({
      name,
      ...(DEPLOY_STAGES[name] ?? OTHER_STAGE),
      remoteUser: raw.remoteUser!,
      remoteHost: perStage(raw.remoteHost!, name),
      remoteBase: perStage(raw.remoteBase!, name),
      dirUser: raw.dirUser!,
      dirGroup: raw.dirGroup!,
    })),
    keepBuilds: Number(raw.keepBuilds),
    apiPort: Number(raw.apiPort),
    healthPath: raw.healthPath!,
    appModule: raw.appModule!,
  };
}

/** The raw form of saved answers: the defaults of a re-run. */
export function toRaw(answers: Answers): Raw {
  const first = answers.stages[0];
  const raw: Raw = {
    project: answers.project,
    backend: answers.backend.join(','),
    testCommand: answers.testCommand.join(' ') || 'none',
    frontend: answers.frontend?.kind ?? 'none',
    tenancy: answers.tenancy,
    database: answers.database,
    migrations: answers.migrations,
    services: answers.services.join(','),
    cron: answers.cron.join(',') || 'none',
    stages: answers.stages.map((s) => s.name).join(','),
    keepBuilds: String(answers.keepBuilds),
    apiPort: String(answers.apiPort),
    healthPath: answers.healthPath,
    appModule: answers.appModule,
  };
  if (answers.frontend) {
    raw.frontendFolder = answers.frontend.folder;
    raw.frontendBuild = answers.frontend.build.join(' ');
    raw.frontendDist = answers.frontend.dist;
  }
  if (answers.domains.length > 0) raw.domains = answers.domains.join(',');
  if (first) {
    const generalise = (value: string) => value.replaceAll(first.name, '{stage}');
    raw.remoteUser = first.remoteUser;
    raw.remoteHost = generalise(first.remoteHost);
    raw.remoteBase = generalise(first.remoteBase);
    raw.dirUser = first.dirUser;
    raw.dirGroup = first.dirGroup;
  }
  return raw;
}
