/**
 * The pipeline already in a repository, as `mcc add` needs it: the stages of
 * config.yml, each stage's conf, and what the project uses. It is read from
 * config.yml and the conf files, so a pipeline set up by hand with the same
 * conventions works too; mcc/answers.yml only fills in what those files do not
 * say, and is kept up to date when it exists.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

import { ANSWERS_FILE, readAnswers, type Answers } from './answers.js';
import { CommandError, UsageError } from './errors.js';
import { nearest } from './nearest.js';
import { PIPELINE_FILES } from './root.js';
import * as v from './validate.js';
import { readYamlData } from './yaml-read.js';

export interface StageEntry {
  name: string;
  params: Record<string, unknown>;
  /** null when config.yml gives none, or none that is a string. */
  allowBranches: string | null;
  /** The conf file under mcc/, e.g. conf-prod.yml. */
  conf: string;
  /** What runs instead of the deploy flow: a handler, or the built-in rollback. */
  handler: string | null;
}

export interface Pipeline {
  root: string;
  configText: string;
  stages: StageEntry[];
  answers: Answers | null;
  answersText: string | null;
  project: string;
  database: 'sqlite' | 'postgres' | 'none';
  alembic: boolean;
  /** Where alembic keeps its revisions, when the project migrates with alembic. */
  alembicScripts: string;
  multiTenant: boolean;
  /** Each conf a stage names, as read, by file name; null when it is missing. */
  confs: Record<string, Record<string, unknown> | null>;
}

export function readText(root: string, path: string): string | null {
  const file = join(root, path);
  if (!existsSync(file)) return null;
  if (statSync(file).isDirectory()) throw new CommandError(`${path} is a folder, not a file`);
  return readFileSync(file, 'utf8');
}

function readProject(root: string): string {
  const pyproject = readText(root, 'pyproject.toml');
  const name = pyproject && /^name\s*=\s*"([^"]+)"/m.exec(pyproject);
  return name ? name[1]! : basename(root);
}

function readDatabase(root: string): Pipeline['database'] {
  const module = readText(root, 'mcc_db.py');
  if (module === null) return 'none';
  return /\bimport sqlite3\b/.test(module) ? 'sqlite' : 'postgres';
}

function readStages(configText: string): StageEntry[] {
  const config = (readYamlData('config.yml', configText) ?? {}) as {
    deploy?: Record<string, Record<string, unknown>>;
  };
  return Object.entries(config.deploy ?? {}).map(([name, entry]) => {
    const params = (entry?.parameters ?? {}) as Record<string, unknown>;
    const allow = entry?.allow_branches;
    return {
      name,
      params,
      allowBranches: typeof allow === 'string' ? allow : null,
      conf: String(params.conf ?? `conf-${name}.yml`),
      handler:
        params.handler !== undefined
          ? String(params.handler)
          : params.action === 'rollback'
            ? 'rollback'
            : null,
    };
  });
}

export function loadPipeline(root: string): Pipeline {
  for (const file of PIPELINE_FILES) {
    if (!existsSync(join(root, file))) {
      throw new CommandError(
        `no ${file} in ${root}: this is not a repository with a pipeline; ` +
          'run npx create-mcc-pipeline there first',
      );
    }
  }
  const configText = readText(root, 'config.yml')!;
  const stages = readStages(configText);
  if (stages.length === 0) {
    throw new CommandError(
      'config.yml has no stages under deploy: restore it, or run npx create-mcc-pipeline again',
    );
  }
  const answers = readAnswers(root);
  const confs = Object.fromEntries(stages.map((stage) => [stage.conf, readConf(root, stage.conf)]));
  return {
    root,
    configText,
    stages,
    answers,
    answersText: readText(root, ANSWERS_FILE),
    project: answers?.project ?? readProject(root),
    database: readDatabase(root),
    alembic: existsSync(join(root, 'alembic.ini')),
    alembicScripts: alembicScripts(root) ?? 'alembic',
    multiTenant:
      answers?.tenancy === 'multi' ||
      Object.values(confs).some((conf) => Array.isArray(conf?.DOMAINS)),
    confs,
  };
}

/** The revisions folder alembic.ini names, relative to the root, when it names a plain one. */
export function alembicScripts(root: string): string | undefined {
  const ini = join(root, 'alembic.ini');
  if (!existsSync(ini)) return undefined;
  const line = /^script_location\s*=\s*(.+?)\s*$/m.exec(readFileSync(ini, 'utf8'));
  const folder = line?.[1]!.replace(/^%\(here\)s\//, '').replace(/\/+$/, '');
  const plain = folder && /^[\w.-]+(\/[\w.-]+)*$/.test(folder) && !folder.split('/').includes('..');
  return plain ? folder : undefined;
}

export function readConf(root: string, conf: string): Record<string, unknown> | null {
  const text = readText(root, `mcc/${conf}`);
  return text === null
    ? null
    : ((readYamlData(`mcc/${conf}`, text) ?? {}) as Record<string, unknown>);
}

export function deploymentStages(pipeline: Pipeline): StageEntry[] {
  return pipeline.stages.filter((stage) => stage.handler === null);
}

export function describeStage(stage: StageEntry): string {
  if (stage.handler === null) return 'a deployment stage';
  if (stage.handler === 'rollback') return 'a rollback stage';
  return `a stage that runs the ${stage.handler} handler`;
}

/** The stage of config.yml called name, or a usage error suggesting the nearest. */
export function findStage(pipeline: Pipeline, flag: string, name: string): StageEntry {
  const stage = pipeline.stages.find((entry) => entry.name === name);
  if (stage) return stage;
  const guess = nearest(
    name,
    pipeline.stages.map((entry) => entry.name),
  );
  const known = pipeline.stages.map((entry) => entry.name).join(', ') || 'none';
  throw new UsageError(
    `${flag} ${JSON.stringify(name)}: not a stage of config.yml` +
      (guess ? `; did you mean ${guess}?` : ` (stages: ${known})`),
  );
}

/** The deployment stages named by a comma list, or all of them. */
export function targetStages(pipeline: Pipeline, list: string | undefined): StageEntry[] {
  if (list === undefined) return deploymentStages(pipeline);
  v.checkList('--stage', list, () => undefined);
  return list.split(',').map((name) => {
    const stage = findStage(pipeline, '--stage', name.trim());
    if (stage.handler !== null) {
      throw new UsageError(
        `--stage ${JSON.stringify(name)}: expected a deployment stage, not ${describeStage(stage)}`,
      );
    }
    return stage;
  });
}

export function confPath(stage: StageEntry): string {
  return `mcc/${stage.conf}`;
}

export function listFolder(root: string, folder: string): string[] {
  const path = join(root, folder);
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) throw new CommandError(`${folder} is a file, not a folder`);
  return readdirSync(path).sort();
}
