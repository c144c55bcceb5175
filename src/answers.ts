/**
 * The answers: everything the generator needs to know about a project.
 * They come from flags, prompts and detection, are checked by validate.ts,
 * and are kept in mcc/answers.yml so that `mcc add` and re-runs can read them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

import { CommandError } from './errors.js';
import { readYamlData } from './yaml-read.js';
import { CRON_JOBS, DATABASES, FRONTENDS, MIGRATION_TOOLS, TENANCIES } from './choices.js';

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
  /** This stage's cron jobs, when they are not the project's `cron`. */
  cronJobs?: CronEntry[];
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
  return HEADER + stringify(answers);
}

/** The cron jobs of the project's `cron`, with their schedules. */
export function knownCronJobs(answers: Pick<Answers, 'cron'>): CronEntry[] {
  return answers.cron.map((name) => ({ name, schedule: CRON_JOBS[name]!.schedule }));
}

/**
 * What only a stage of the saved answers knows (its own domains and cron
 * jobs, which no flag or question gives), carried into the answers of a
 * re-run, so that the re-run writes the confs `mcc add` left.
 */
export function carryStageDetails(answers: Answers, previous: Answers | null): Answers {
  if (previous === null) return answers;
  const stages = answers.stages.map((stage) => {
    const before = previous.stages.find((s) => s.name === stage.name) ?? {};
    // In the saved order, so that answers.yml is written back as it was.
    const own = Object.entries(before).filter(([key]) => key === 'domains' || key === 'cronJobs');
    return { ...stage, ...Object.fromEntries(own) };
  });
  return { ...answers, stages };
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
