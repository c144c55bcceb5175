/**
 * create-mcc-pipeline: ask, decide, render, write, print the next steps.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pc from './colours.js';

import { cronModule, initGenerator, type InitInput } from '../generators/init.js';
import {
  ANSWERS_FILE,
  carryAddedDetails,
  type Answers,
  checkHandlers,
  checkStageFolders,
  readAnswers,
} from './answers.js';
import { detect } from './detect.js';
import { planFiles } from './engine.js';
import { UsageError } from './errors.js';
import { applyPlan, type WriteOptions } from './apply.js';
import { alembicScripts } from './pipeline.js';
import {
  ask,
  checkApplies,
  checkFlags,
  flagOf,
  QUESTIONS,
  toAnswers,
  toRaw,
  type Raw,
} from './questions.js';

export interface CreateOptions extends WriteOptions {
  yes: boolean;
}

const SCHEMA_CANDIDATES = ['schema.sql', 'db/schema.sql'];

function findSchema(root: string, backend: string[]): InitInput['schema'] {
  const candidates = [...SCHEMA_CANDIDATES, ...backend.map((folder) => `${folder}/schema.sql`)];
  const source = candidates.find((path) => existsSync(join(root, path)));
  return source ? { source, sql: readFileSync(join(root, source), 'utf8') } : null;
}

const isFolder = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** What the build will copy from the repository must be there already. */
function checkRepository(root: string, answers: Answers): void {
  for (const folder of answers.backend) {
    if (!isFolder(join(root, folder))) {
      throw new UsageError(`--backend ${JSON.stringify(folder)}: no such folder in ${root}`);
    }
  }
  const frontend = answers.frontend?.folder;
  if (frontend !== undefined && !isFolder(join(root, frontend))) {
    throw new UsageError(
      `--frontend-folder ${JSON.stringify(frontend)}: no such folder in ${root}`,
    );
  }
  if (
    answers.database !== 'none' &&
    answers.migrations === 'alembic' &&
    !existsSync(join(root, 'alembic.ini'))
  ) {
    throw new UsageError(
      `--migrations "alembic": no alembic.ini in ${root}; run uv run alembic init alembic ` +
        'first, and have its env.py take the URL from DATABASE_URL',
    );
  }
}

/** Two values of one flag that mean the same: a comma list in another order is the same list. */
function sameFlag(key: string, a: string, b: string): boolean {
  if (!QUESTIONS.find((question) => question.key === key)?.list) return a === b;
  const items = (value: string) =>
    value
      .split(',')
      .map((item) => item.trim())
      .sort();
  return items(a).join(',') === items(b).join(',');
}

/**
 * The last run's flags given again (from a script, or the shell's history)
 * keep what mcc add changed since: those are `repeated`. `recorded` is what
 * answers.yml keeps for the next run.
 */
function lastRunFlags(flags: Raw, last: Raw, saved: Raw) {
  const again = (key: string) => last[key] !== undefined && sameFlag(key, flags[key]!, last[key]);
  const grown = (key: string) =>
    saved[key] !== undefined && !sameFlag(key, saved[key], flags[key]!);
  const repeated = Object.keys(flags).filter((key) => again(key) && grown(key));
  // A list that holds what the answers hold, in another order, is no change either.
  const reordered = Object.keys(flags).filter((key) => saved[key] !== undefined && !grown(key));
  const kept = [...repeated, ...reordered];
  const changed = Object.entries(flags).filter(([key]) => !kept.includes(key) && !again(key));
  return { repeated, kept, recorded: { ...last, ...Object.fromEntries(changed) } };
}

/** Cron scripts in the repository that no stage's cron jobs name. */
function unusedCronScripts(root: string, answers: Answers): string[] {
  const jobs = [
    ...answers.cron,
    ...answers.stages.flatMap((s) => (s.cronJobs ?? []).map((j) => j.name)),
  ];
  const used = new Set(jobs.map((name) => `${cronModule(name)}.py`));
  const folder = join(root, 'mcc', 'cron');
  if (!isFolder(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.py') && !used.has(name))
    .map((name) => `mcc/cron/${name}`);
}

/** Stage confs in the repository that no stage of the answers reads. */
function unusedConfs(root: string, answers: Answers): string[] {
  const used = new Set([
    ...answers.stages.map((stage) => `conf-${stage.name}.yml`),
    ...(answers.handlers ?? []).flatMap((h) => [h.conf, ...(h.sourceConf ? [h.sourceConf] : [])]),
  ]);
  const folder = join(root, 'mcc');
  if (!isFolder(folder)) return [];
  return readdirSync(folder)
    .filter((name) => /^conf-.*\.ya?ml$/.test(name) && !used.has(name))
    .map((name) => `mcc/${name}`);
}

export async function create(directory: string, flags: Raw, options: CreateOptions): Promise<void> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`${JSON.stringify(directory)} is not a folder`);
  }
  checkFlags(flags);

  const detected = detect(root);
  const previous = readAnswers(root);
  const saved = previous ? toRaw(previous) : {};
  const { repeated, kept, recorded } = lastRunFlags(flags, previous?.flags ?? {}, saved);
  const defaults = {
    ...saved,
    ...flags,
    ...Object.fromEntries(kept.map((key) => [key, saved[key]!])),
  };
  const interactive = !options.yes && Boolean(process.stdin.isTTY);
  const prompter = interactive ? (await import('./prompt.js')).promptQuestion : null;
  const raw = await ask(defaults, detected, prompter);
  checkApplies(flags, raw);
  // A flag that repeats the saved answer changes nothing, also on stages with their own.
  const given = Object.keys(raw).filter((key) => raw[key] !== saved[key]);
  const { flags: _last, ...carried } = carryAddedDetails(toAnswers(raw), previous, new Set(given));
  // First in mcc/answers.yml, so that what mcc add appends (handlers) follows as a re-run has it.
  const hasFlags = Object.keys(recorded).length > 0;
  const answers = { ...(hasFlags ? { flags: recorded } : {}), ...carried };
  checkHandlers(answers);
  checkStageFolders(answers);
  checkRepository(root, answers);
  const gitignorePath = join(root, '.gitignore');
  const input: InitInput = {
    ...answers,
    schema: findSchema(root, answers.backend),
    gitignore: existsSync(gitignorePath) ? readFileSync(gitignorePath, 'utf8') : null,
    alembicScripts: alembicScripts(root),
  };

  for (const key of repeated) {
    process.stdout.write(
      `note: ${flagOf(key)} ${flags[key]} is what the last run was given; mcc add made it ` +
        `${saved[key]} since, which is kept (edit ${ANSWERS_FILE} to change it)\n`,
    );
  }
  const files = await planFiles('init', initGenerator, input);
  const written = await applyPlan(root, files, { ...options, interactive });
  for (const script of unusedCronScripts(root, answers)) {
    process.stdout.write(`note: no stage runs ${script} any more; remove it if it is not needed\n`);
  }
  for (const conf of unusedConfs(root, answers)) {
    process.stdout.write(`note: no stage uses ${conf} any more; remove it if it is not needed\n`);
  }
  if (options.dryRun || !written) return;

  if (input.schema && files.some((file) => file.path === 'mcc/migrations/0001_initial.sql')) {
    const dialect = answers.database === 'postgres' ? 'PostgreSQL' : 'SQLite';
    process.stdout.write(
      `note: the first migration adopts ${input.schema.source}: check that it is ${dialect}\n`,
    );
  }
  const stage = answers.stages.find((s) => s.name === 'dev') ?? answers.stages.at(-1);
  const rehearse = `npx -p create-mcc-pipeline mcc try --stage ${stage?.name}`;
  process.stdout.write(
    `\nNext:\n` +
      (input.schema === null && answers.database !== 'none' && answers.migrations === 'sql'
        ? `  ${pc.bold('npx -p create-mcc-pipeline mcc add migration initial')}   ` +
          'write the first migration\n'
        : '') +
      `  ${pc.bold(rehearse)}   rehearse a deploy in a local sandbox\n` +
      `  ${pc.bold('git add .gitignore mcc_*.py config.yml mcc/')}   commit the pipeline\n` +
      (detected.hasUvLock ? '' : `  ${pc.bold('uv lock')}   the deploy needs a uv.lock\n`),
  );
}

export { QUESTIONS };
