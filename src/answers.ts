/**
 * The answers: everything the generator needs to know about a project.
 * They come from flags, prompts and detection, are checked by validate.ts,
 * and are kept in mcc/answers.yml so that `mcc add` and re-runs can read them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';

import { CommandError, UsageError } from './errors.js';
import { readYamlData, YAML_OPTIONS } from './yaml-read.js';
import {
  CRON_JOBS,
  DATABASES,
  FRONTENDS,
  HANDLER_STAGES,
  MIGRATION_TOOLS,
  TENANCIES,
} from './choices.js';

export type Tenancy = keyof typeof TENANCIES;
export type Database = keyof typeof DATABASES;
export type MigrationTool = keyof typeof MIGRATION_TOOLS;
export type FrontendName = keyof typeof FRONTENDS;

export interface Frontend {
  kind: FrontendName;
  folder: string;
  build: string[];
  dist: string;
}

export interface StageAnswers {
  name: string;
  allowBranches: string;
  autoBranches: string;
  remoteUser: string;
  remoteHost: string;
  remoteBase: string;
  dirUser: string;
  dirGroup: string;
  /** This stage's domains, when they are not the project's `domains`. */
  domains?: string[];
  /** This stage's services, when they are not the project's `services`. */
  services?: string[];
  /** This stage's cron jobs, when they are not the project's `cron`. */
  cronJobs?: CronEntry[];
}

/** A stage added by `mcc add stage` that runs a handler, as config.yml has it. */
export interface HandlerAnswers {
  name: string;
  allowBranches: string;
  /** The conf it works on (the target, for clone-prod-to-dev). */
  conf: string;
  /** clone-prod-to-dev: the conf it copies from. */
  sourceConf?: string;
}

export interface CronEntry {
  name: string;
  schedule: string;
}

export interface Answers {
  project: string;
  backend: string[];
  /** What runs the tests, after `uv run`; empty when the project has none. */
  testCommand: string[];
  frontend: Frontend | null;
  tenancy: Tenancy;
  domains: string[];
  database: Database;
  migrations: MigrationTool;
  services: string[];
  cron: string[];
  stages: StageAnswers[];
  keepBuilds: number;
  apiPort: number;
  healthPath: string;
  /** The ASGI application `mcc try` serves, as module:attribute. */
  appModule: string;
  /** Handler stages, which only `mcc add stage` adds. */
  handlers?: HandlerAnswers[];
  /** The flags create-mcc-pipeline was last given, by answer: given again, they change nothing. */
  flags?: Record<string, string>;
}

export const ANSWERS_FILE = 'mcc/answers.yml';

/** The PostgreSQL database a project uses when DATABASE_URL names none. */
export function databaseName(project: string): string {
  return project.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
}

const HEADER =
  '# Answers given to create-mcc-pipeline; `mcc add` keeps them up to date and\n' +
  '# a re-run of create-mcc-pipeline starts from them (it shows what would change).\n';

export function serializeAnswers(answers: Answers): string {
  return HEADER + stringify(answers, YAML_OPTIONS);
}

/** The cron jobs of the project's `cron`, with their schedules. */
export function knownCronJobs(answers: Pick<Answers, 'cron'>): CronEntry[] {
  return answers.cron.map((name) => ({ name, schedule: CRON_JOBS[name]!.schedule }));
}

/** What `mcc add stage` may have set for one stage alone. */
const KEPT_STAGE_VALUES = [
  'allowBranches',
  'autoBranches',
  'remoteUser',
  'remoteHost',
  'remoteBase',
  'dirUser',
  'dirGroup',
];

/** The lists a stage may have of its own, from `mcc add … --stage`. */
const OWN_LISTS = ['domains', 'services', 'cronJobs'];

/**
 * A stage's own list when the project's list changes: the project's new items
 * (each as the stage had it, where it did), then the stage's extra ones.
 */
function rebase<T>(
  own: T[],
  before: string[],
  after: string[],
  key: (item: T) => string,
  fresh: (name: string) => T,
): T[] {
  const extras = own.filter((item) => !before.includes(key(item)) && !after.includes(key(item)));
  const project = after.map((name) => own.find((item) => key(item) === name) ?? fresh(name));
  return [...project, ...extras];
}

/**
 * What only the saved answers know (a stage's own domains, services and cron jobs, the
 * handler stages), since only `mcc add` gives them, carried into the answers
 * of a re-run, so that the re-run writes the confs and config.yml it left. A
 * stage's own list follows a change to the project's list and keeps its extras.
 * A stage that was there before keeps its branch rules, and its server values
 * unless this run gives them (`given` holds the answers given, not defaulted).
 */
export function carryAddedDetails(
  answers: Answers,
  previous: Answers | null,
  given: ReadonlySet<string>,
): Answers {
  if (previous === null) return answers;
  const sameCron = isDeepStrictEqual(previous.cron, answers.cron);
  const follow = (key: string, value: unknown): unknown => {
    if (
      (key === 'domains' || key === 'services') &&
      !isDeepStrictEqual(previous[key], answers[key])
    ) {
      const name = (item: string) => item;
      return rebase(value as string[], previous[key], answers[key], name, name);
    }
    if (key === 'cronJobs' && !sameCron) {
      const fresh = (name: string) => ({ name, schedule: CRON_JOBS[name]!.schedule });
      const name = (job: CronEntry) => job.name;
      return rebase(value as CronEntry[], previous.cron, answers.cron, name, fresh);
    }
    return value;
  };
  const stages = answers.stages.map((stage) => {
    const before = previous.stages.find((s) => s.name === stage.name) ?? {};
    const kept = Object.entries(before).filter(
      ([key]) => KEPT_STAGE_VALUES.includes(key) && !given.has(key),
    );
    // In the saved order, so that answers.yml is written back as it was.
    const own = Object.entries(before)
      .filter(([key]) => OWN_LISTS.includes(key))
      .map(([key, value]) => [key, follow(key, value)]);
    return { ...stage, ...Object.fromEntries(kept), ...Object.fromEntries(own) };
  });
  const handlers = previous.handlers?.length ? { handlers: previous.handlers } : {};
  const flags = previous.flags ? { flags: previous.flags } : {};
  return { ...flags, ...answers, stages, ...handlers };
}

/**
 * Refuse a re-run that takes away what a handler stage needs: the conf it
 * works on, or the database.
 */
export function checkHandlers(answers: Answers): void {
  const confs = new Set(answers.stages.map((stage) => `conf-${stage.name}.yml`));
  for (const handler of answers.handlers ?? []) {
    const needs = [handler.conf, ...(handler.sourceConf ? [handler.sourceConf] : [])];
    const missing = needs.find((conf) => !confs.has(conf));
    const why = missing
      ? `it works on mcc/${missing}, which no stage has now`
      : HANDLER_STAGES[handler.name]?.needsDatabase && answers.database === 'none'
        ? 'it needs a database'
        : null;
    if (why) {
      throw new UsageError(
        `stage ${handler.name} (from mcc add stage): ${why}; keep what it needs, ` +
          `or take it out of config.yml and the handlers of ${ANSWERS_FILE}`,
      );
    }
  }
}

/** The stage, if any, that deploys into the same folder on the same server as host and base. */
export function sharedFolder(
  stages: { name: string; remoteHost: string; remoteBase: string }[],
  host: string,
  base: string,
): string | undefined {
  const folder = base.replace(/\/+$/, '');
  const same = (stage: (typeof stages)[number]) =>
    stage.remoteHost.toLowerCase() === host.toLowerCase() &&
    stage.remoteBase.replace(/\/+$/, '') === folder;
  return stages.find(same)?.name;
}

/** Two stages in one deployment folder would take each other's releases and links. */
export function checkStageFolders(answers: Answers): void {
  answers.stages.forEach((stage, index) => {
    const other = sharedFolder(answers.stages.slice(0, index), stage.remoteHost, stage.remoteBase);
    if (other === undefined) return;
    throw new UsageError(
      `--remote-base ${JSON.stringify(stage.remoteBase)}: stages ${other} and ${stage.name} ` +
        `would deploy into the same folder on ${stage.remoteHost}; put {stage} in ` +
        '--remote-base or --remote-host, e.g. /srv/app-{stage}',
    );
  });
}

export function readAnswers(root: string): Answers | null {
  const path = join(root, ANSWERS_FILE);
  if (!existsSync(path)) return null;
  const answers = readYamlData(ANSWERS_FILE, readFileSync(path, 'utf8'));
  const fields = ['project', 'stages', 'services', 'database', 'tenancy'];
  if (typeof answers !== 'object' || answers === null || Array.isArray(answers)) {
    throw new CommandError(`${ANSWERS_FILE}: expected a mapping of answers; fix it or delete it`);
  }
  const missing = fields.filter((field) => !(field in answers));
  if (missing.length > 0) {
    throw new CommandError(`${ANSWERS_FILE}: no ${missing.join(', ')}; fix it or delete it`);
  }
  return answers as Answers;
}
