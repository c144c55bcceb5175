/**
 * mcc add cron: the job's script in mcc/cron/ and its entry in the CRON_JOBS
 * of each stage's conf. The next deploy installs it in the crontab block it
 * owns.
 */
import { addGenerator, Edits, emptyPlan, updateAnswers, type AddPlan } from '../src/add.js';
import { knownCronJobs } from '../src/answers.js';
import { CRON_JOBS } from '../src/choices.js';
import { renderAction } from '../src/engine.js';
import { UsageError } from '../src/errors.js';
import { confPath, readText, targetStages, type Pipeline } from '../src/pipeline.js';
import { nearest } from '../src/nearest.js';
import * as v from '../src/validate.js';
import { readYamlData } from '../src/yaml-read.js';
import { addToSeq } from '../src/yaml-edit.js';
import { cronModule } from './init.js';

export interface AddCronFlags {
  schedule?: string;
  /** Comma list of stages; every deployment stage when absent. */
  stage?: string;
  /** Take a name close to a known job's as a job of its own. */
  custom?: boolean;
}

export const addCronGenerator = addGenerator('add-cron', 'Add a cron job to the pipeline');

const cronName: v.Validator = (value) =>
  /^[a-z][a-z0-9-]*$/.test(value) && value.length <= 40
    ? undefined
    : 'a job name of lower-case letters, digits and dashes, starting with a letter';

function schedule(name: string, flags: AddCronFlags): string {
  const value = flags.schedule ?? CRON_JOBS[name]?.schedule;
  if (value === undefined) {
    throw new UsageError(
      `cron job ${JSON.stringify(name)} is not one we know: give its --schedule, ` +
        'e.g. --schedule "0 * * * *"',
    );
  }
  return v.check('--schedule', value.trim(), v.cronSchedule);
}

/** Refuse a name that is not one, or that is a slip for a known job's; before any question. */
export function checkCronName(name: string, flags: { custom?: boolean }): void {
  const guess = CRON_JOBS[name] ? undefined : nearest(name, Object.keys(CRON_JOBS));
  if (guess && !flags.custom) {
    throw new UsageError(
      `cron job ${JSON.stringify(name)}: did you mean ${guess}? ` +
        '(pass --custom to add a job of your own with that name)',
    );
  }
  v.check('cron job', name, cronName);
}

export function planCron(pipeline: Pipeline, name: string, flags: AddCronFlags): AddPlan {
  const known = CRON_JOBS[name];
  checkCronName(name, flags);
  if (known?.needsDatabase && pipeline.database === 'none') {
    throw new UsageError(`cron job ${JSON.stringify(name)}: this pipeline has no database`);
  }
  const when = schedule(name, flags);
  const plan = emptyPlan(`cron job ${name}`);

  const script = `mcc/cron/${cronModule(name)}.py`;
  if (readText(pipeline.root, script) !== null) {
    plan.already.push(script);
  } else {
    const template = known ? `init/mcc/cron/${cronModule(name)}.py.hbs` : 'add/cron/job.py.hbs';
    const context = { project: pipeline.project, name, module: cronModule(name) };
    plan.actions.push(renderAction(script, template, context));
  }

  const edits = new Edits(pipeline.root);
  const targets = targetStages(pipeline, flags.stage);
  for (const path of new Set(targets.map(confPath))) {
    const text = edits.text(path);
    const jobs = (((readYamlData(path, text) ?? {}) as Record<string, unknown>).CRON_JOBS ??
      []) as { name?: string; schedule?: unknown }[];
    const job = jobs.find((entry) => entry?.name === name);
    if (job && flags.schedule !== undefined && String(job.schedule).trim() !== when) {
      throw new UsageError(
        `--schedule ${JSON.stringify(flags.schedule)}: ${path} runs ${name} at ` +
          `${JSON.stringify(job.schedule)} already; change it there`,
      );
    }
    if (job) {
      plan.already.push(`${path}: ${name}`);
      continue;
    }
    edits.set(path, addToSeq(path, text, 'CRON_JOBS', { name, schedule: when }));
  }
  updateAnswers(pipeline, edits, (answers) => {
    // A known job on every stage is one of the project's; any other, each stage's own.
    if (known && flags.stage === undefined && answers.stages.every((s) => !s.cronJobs)) {
      if (!answers.cron.includes(name)) answers.cron.push(name);
      return;
    }
    for (const entry of answers.stages) {
      if (!targets.some((target) => target.name === entry.name)) continue;
      const jobs = entry.cronJobs ?? knownCronJobs(answers);
      if (!jobs.some((job) => job.name === name)) {
        entry.cronJobs = [...jobs, { name, schedule: when }];
      }
    }
  });
  plan.actions.push(...edits.actions());

  const deploy = readText(pipeline.root, 'mcc_deploy.py') ?? '';
  if (!deploy.includes('CRON_JOBS')) {
    plan.notes.push(
      'mcc_deploy.py was generated without cron jobs and will not install this one: ' +
        're-run npx create-mcc-pipeline to regenerate it (it shows the diff and asks first)',
    );
  } else {
    plan.notes.push('the next deploy installs it in the crontab block it owns');
  }
  return plan;
}
