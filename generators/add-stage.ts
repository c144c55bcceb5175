/**
 * mcc add stage: a handler stage (its handler in mcc/stages/, where
 * mcc_deploy.py dispatches to it, and its config.yml entry), or any other name
 * as a new deployment stage (its conf, copied from an existing stage's, and
 * its config.yml entry with branch rules).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';

import { addGenerator, emptyPlan, type AddPlan } from '../src/add.js';
import {
  ANSWERS_FILE,
  sharedFolder,
  type HandlerAnswers,
  type StageAnswers,
} from '../src/answers.js';
import {
  CLONE_SOURCE,
  DEFAULT_HEALTH_PATH,
  DEPLOY_STAGES,
  HANDLER_STAGES,
  OTHER_STAGE,
} from '../src/choices.js';
import { editAction, contentAction, renderAction } from '../src/engine.js';
import { CommandError, UsageError } from '../src/errors.js';
import {
  confPath,
  deploymentStages,
  describeStage,
  findStage,
  readConf,
  readText,
  type Pipeline,
  type StageEntry,
} from '../src/pipeline.js';
import { nearest } from '../src/nearest.js';
import * as v from '../src/validate.js';
import { SMOKE_NOTES, smokeDefaults } from './init.js';
import { addToMap, addToSeq, lineEnding } from '../src/yaml-edit.js';
import { describeProblem, parseYaml, YAML_OPTIONS } from '../src/yaml-read.js';

export interface AddStageFlags {
  /** The stage whose conf a handler works on (the target, for clone-prod-to-dev). */
  stage?: string;
  /** clone-prod-to-dev: the stage it copies from. */
  source?: string;
  /** A new deployment stage: the stage whose conf it starts from. */
  from?: string;
  remoteHost?: string;
  remoteBase?: string;
  allowBranches?: string;
  autoBranches?: string;
  /** Take a name close to a handler stage's as a new deployment stage. */
  deployment?: boolean;
}

export const addStageGenerator = addGenerator('add-stage', 'Add a stage to the pipeline');

export function handlerModule(name: string): string {
  return name.replace(/-/g, '_');
}

const HANDLER_FLAGS = ['stage', 'source'] as const;
const DEPLOYMENT_FLAGS = [
  'from',
  'remoteHost',
  'remoteBase',
  'allowBranches',
  'autoBranches',
  'deployment',
] as const;

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Refuse a flag that does nothing for this kind of stage rather than ignore it. */
function refuseFlags(flags: AddStageFlags, keys: readonly (keyof AddStageFlags)[], why: string) {
  for (const key of keys) {
    const value = flags[key];
    if (value === undefined || value === false) continue;
    const shown = typeof value === 'string' ? ` ${JSON.stringify(value)}` : '';
    throw new UsageError(`${flagName(key)}${shown}: ${why}`);
  }
}

export function planStage(pipeline: Pipeline, name: string, flags: AddStageFlags): AddPlan {
  const existing = pipeline.stages.find((stage) => stage.name === name);
  if (name in HANDLER_STAGES) {
    refuseFlags(flags, DEPLOYMENT_FLAGS, `applies to a new deployment stage, not to ${name}`);
    if (name !== 'clone-prod-to-dev') {
      refuseFlags(flags, ['source'], 'applies only to clone-prod-to-dev');
    }
    if (existing && existing.handler !== name) {
      throw new UsageError(
        `stage ${JSON.stringify(name)}: config.yml has ${describeStage(existing)} of that name`,
      );
    }
    return planHandlerStage(pipeline, name, flags);
  }
  if (name.startsWith('rollback-')) {
    throw new UsageError(
      `stage ${JSON.stringify(name)}: rollback-<stage> stages come with their stage; ` +
        'add the stage itself',
    );
  }
  const others = pipeline.stages.map((stage) => stage.name).filter((known) => known !== name);
  const guess = existing ? undefined : nearest(name, [...Object.keys(HANDLER_STAGES), ...others]);
  if (guess && !flags.deployment && !extends_(name, guess)) {
    throw new UsageError(
      `stage ${JSON.stringify(name)}: did you mean ${guess}? ` +
        '(pass --deployment to add a deployment stage of that name)',
    );
  }
  v.check('stage', name, v.stageName);
  if (existing && existing.handler !== null) {
    throw new UsageError(
      `stage ${JSON.stringify(name)}: config.yml has ${describeStage(existing)} of that name`,
    );
  }
  refuseFlags(flags, HANDLER_FLAGS, `applies to a handler stage, not to a deployment stage`);
  return planDeploymentStage(pipeline, name, flags);
}

/** The stage a flag names, or its default, which config.yml may lack. */
function namedStage(
  pipeline: Pipeline,
  flag: string,
  given: string | undefined,
  fallback: string,
  handler: string,
): StageEntry {
  if (given !== undefined) return findStage(pipeline, flag, given);
  const stage = pipeline.stages.find((entry) => entry.name === fallback);
  if (stage) return stage;
  throw new UsageError(
    `stage ${handler} uses the ${fallback} stage unless ${flag} names another, ` +
      `but config.yml has no ${fallback} stage: pass ${flag}`,
  );
}

function handlerParameters(pipeline: Pipeline, name: string, flags: AddStageFlags) {
  const handler = HANDLER_STAGES[name]!;
  const target = namedStage(pipeline, '--stage', flags.stage, handler.defaultStage, name);
  if (target.handler !== null) {
    throw new UsageError(
      `--stage ${JSON.stringify(target.name)}: expected a deployment stage, ` +
        `not ${describeStage(target)}`,
    );
  }
  const protectedStage = handler.refusesStage;
  if (protectedStage !== undefined && target.name === protectedStage) {
    throw new UsageError(
      `--stage ${JSON.stringify(target.name)}: ${name} refuses to run on the ` +
        `${protectedStage} stage`,
    );
  }
  if (target.allowBranches === null) {
    throw new UsageError(
      `stage ${name}: the allow_branches of ${target.name} in config.yml cannot be read, ` +
        'and the new stage takes the same; give it a plain string first',
    );
  }
  if (name !== 'clone-prod-to-dev') {
    return { target, parameters: { handler: name, conf: target.conf } };
  }
  const source = namedStage(pipeline, '--source', flags.source, CLONE_SOURCE, name);
  if (source.conf === target.conf) {
    throw new UsageError(
      `--source ${JSON.stringify(source.name)}: it is the stage it would copy into`,
    );
  }
  const hosts = [source, target].map((stage) => pipeline.confs[stage.conf]?.REMOTE_HOST);
  if (pipeline.database === 'sqlite' && String(hosts[0]) !== String(hosts[1])) {
    // The handler runs on the target's server and reads the source's files there.
    throw new UsageError(
      `stage ${name}: ${source.name} deploys to ${hosts[0]} and ${target.name} to ` +
        `${hosts[1]}; a SQLite clone reads ${source.name}'s files on ${target.name}'s server, ` +
        'so both must be on one',
    );
  }
  return {
    target,
    parameters: { handler: name, source_conf: source.conf, conf: target.conf },
  };
}

/** A handler stage that exists works on what config.yml says: a flag may only agree. */
function checkExistingTarget(pipeline: Pipeline, existing: StageEntry, flags: AddStageFlags) {
  const sourceConf = existing.params.source_conf;
  const given: [string, string | undefined, unknown, string][] = [
    ['--stage', flags.stage, existing.conf, 'for'],
    ['--source', flags.source, sourceConf, 'copying from'],
  ];
  for (const [flag, value, conf, relation] of given) {
    if (value === undefined) continue;
    const owner = deploymentStages(pipeline).find((stage) => stage.conf === conf);
    if (owner?.name === value) continue;
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: stage ${existing.name} exists already, ${relation} ` +
        `${owner?.name ?? `mcc/${String(conf)}`}; edit config.yml to change what it works on`,
    );
  }
}

function planHandlerStage(pipeline: Pipeline, name: string, flags: AddStageFlags): AddPlan {
  const plan = emptyPlan(`stage ${name}`);
  if (HANDLER_STAGES[name]!.needsDatabase && pipeline.database === 'none') {
    throw new UsageError(
      `stage ${JSON.stringify(name)}: this pipeline has no database (no mcc_db.py)`,
    );
  }
  const existing = pipeline.stages.find((stage) => stage.name === name);
  if (existing) checkExistingTarget(pipeline, existing, flags);
  const decided = existing ? null : handlerParameters(pipeline, name, flags);
  const handler = `mcc/stages/${handlerModule(name)}.py`;
  if (readText(pipeline.root, handler) === null) {
    const context = {
      project: pipeline.project,
      multiTenant: pipeline.multiTenant,
      postgres: pipeline.database === 'postgres',
    };
    plan.actions.push(renderAction(handler, `add/stages/${handlerModule(name)}.py.hbs`, context));
  } else {
    plan.already.push(handler);
  }
  if (decided === null) {
    plan.already.push(`config.yml: ${name}`);
  } else {
    const { target, parameters } = decided;
    const entry = {
      allow_branches: target.allowBranches!,
      auto_branches: '-',
      parameters,
    };
    const text = addToMap('config.yml', pipeline.configText, ['deploy'], name, entry);
    plan.actions.push(editAction('config.yml', text));
    recordHandler(pipeline, plan, {
      name,
      allowBranches: entry.allow_branches,
      conf: parameters.conf,
      ...('source_conf' in parameters ? { sourceConf: parameters.source_conf } : {}),
    });
  }
  const deploy = readText(pipeline.root, 'mcc_deploy.py') ?? '';
  if (!deploy.includes('mcc.stages.')) {
    plan.notes.push(
      'mcc_deploy.py was generated before stage handlers existed and will not run this one: ' +
        're-run npx create-mcc-pipeline to regenerate it (it shows the diff and asks first)',
    );
  }
  plan.notes.push(
    `rehearse it with: mcc try --stage ${name} --sandbox DIR; on the server it runs as ` +
      `uv run mcc_deploy.py --stage ${name}, never automatically`,
  );
  return plan;
}

/** Keep a new handler stage in the answers, so that a re-run writes it into config.yml. */
function recordHandler(pipeline: Pipeline, plan: AddPlan, handler: HandlerAnswers): void {
  if (!pipeline.answers || !pipeline.answersText) return;
  if (pipeline.answers.handlers?.some((h) => h.name === handler.name)) return;
  const text = addToSeq(ANSWERS_FILE, pipeline.answersText, 'handlers', handler);
  plan.actions.push(editAction(ANSWERS_FILE, text));
}

/** The source's value with the source stage's name swapped for the new one, or null. */
function swapStage(value: string, source: string, name: string): string | null {
  const at = value.lastIndexOf(source);
  return at === -1 ? null : value.slice(0, at) + name + value.slice(at + source.length);
}

/** A known name with a number or a dashed part after it (dev2, prod-eu): meant, not a slip. */
function extends_(name: string, known: string): boolean {
  const rest = name.slice(known.length);
  return name.toLowerCase().startsWith(known.toLowerCase()) && /^(\d+|[-_].+)$/.test(rest);
}

/** The new stage's deployment folder: the source's with the stage name swapped. */
function remoteBaseFor(base: string, source: string, name: string): string {
  return swapStage(base, source, name) ?? `${base}-${name}`;
}

/** A deployment stage already using this folder on this server, from the confs. */
function stageInFolder(pipeline: Pipeline, host: string, base: string): string | undefined {
  const stages = deploymentStages(pipeline).flatMap((stage) => {
    const conf = pipeline.confs[stage.conf];
    if (!conf) return [];
    const [remoteHost, remoteBase] = [String(conf.REMOTE_HOST), String(conf.REMOTE_BASE)];
    return [{ name: stage.name, remoteHost, remoteBase }];
  });
  return sharedFolder(stages, host, base);
}

/**
 * A stage whose conf is there already deploys with it as it is: a flag that
 * would change it is refused, and so is a conf made for another stage.
 */
function refuseConfFlags(
  name: string,
  conf: string,
  values: Record<string, unknown>,
  flags: AddStageFlags,
  exists: boolean,
): void {
  const change = `change it in mcc/${conf}, or remove that file to have it made`;
  if (flags.from !== undefined && !exists) {
    throw new UsageError(
      `--from: mcc/${conf} is there already and is not made from a stage; ${change}`,
    );
  }
  const given = [
    ['--remote-host', flags.remoteHost, 'REMOTE_HOST'],
    ['--remote-base', flags.remoteBase, 'REMOTE_BASE'],
  ] as const;
  for (const [flag, value, key] of given) {
    if (value !== undefined && value !== String(values[key])) {
      throw new UsageError(
        `${flag} ${JSON.stringify(value)}: stage ${name} deploys with ${key} ` +
          `${JSON.stringify(values[key])}; ${change}`,
      );
    }
  }
  if (!exists && values.STAGE !== name) {
    throw new UsageError(
      `stage ${JSON.stringify(name)}: mcc/${conf} is there already, for stage ` +
        `${JSON.stringify(values.STAGE)}; make it ${name}'s, or remove it to have it made`,
    );
  }
}

function planDeploymentStage(pipeline: Pipeline, name: string, flags: AddStageFlags): AddPlan {
  const plan = emptyPlan(`stage ${name}`);
  const conf = `conf-${name}.yml`;
  const exists = pipeline.stages.some((stage) => stage.name === name);
  // A conf already there is the stage's own: its values are the ones recorded.
  const own = readConf(pipeline.root, conf);
  const confExists = own !== null;
  if (exists) plan.already.push(`config.yml: ${name}`);
  if (own) {
    plan.already.push(`mcc/${conf}`);
    refuseConfFlags(name, conf, own, flags, exists);
  }
  if (exists && confExists) return plan;

  const source = sourceStage(pipeline, name, flags.from);
  const sourceText = readText(pipeline.root, confPath(source));
  if (sourceText === null) {
    throw new UsageError(`--from ${JSON.stringify(source.name)}: ${confPath(source)} is missing`);
  }
  const parsed = parseYaml(sourceText);
  if (parsed.problems.length > 0) {
    throw new CommandError(`${confPath(source)}: ${describeProblem(parsed.problems[0]!)}`);
  }
  const document = parsed.document.clone();
  const values = (own ?? document.toJS() ?? {}) as Record<string, unknown>;
  const base = confExists
    ? String(values.REMOTE_BASE)
    : (flags.remoteBase ?? remoteBaseFor(String(values.REMOTE_BASE), source.name, name));
  v.check('--remote-base', base, v.remoteBase);
  if (flags.remoteHost !== undefined) v.check('--remote-host', flags.remoteHost, v.host);
  const sourceHost = String(values.REMOTE_HOST);
  const host = confExists
    ? sourceHost
    : (flags.remoteHost ?? swapStage(sourceHost, source.name, name) ?? sourceHost);
  const sharing = stageInFolder(pipeline, host, base);
  if (sharing !== undefined) {
    throw new UsageError(
      `--remote-base ${JSON.stringify(base)}: stage ${sharing} deploys into that folder on ` +
        `${host}; give ${name} its own`,
    );
  }
  const rules = DEPLOY_STAGES[name] ?? OTHER_STAGE;
  const allow = v.check(
    '--allow-branches',
    flags.allowBranches ?? rules.allowBranches,
    v.branchPattern,
  );
  const auto = v.check(
    '--auto-branches',
    flags.autoBranches ?? rules.autoBranches,
    v.branchPattern,
  );

  if (!confExists) {
    retitle(
      document,
      ` The ${name} stage of ${pipeline.project}, read by mcc_deploy.py on the server.`,
    );
    document.set('STAGE', name);
    document.set('REMOTE_BASE', base);
    resetSmokeUrls(document, name, values);
    renameEnvFileExample(document, source.name, name, pipeline.project);
    if (host !== sourceHost) {
      document.set('REMOTE_HOST', host);
      // A stage serves the domain of the host it deploys to, unless its source's did not.
      if (values.DOMAIN === values.REMOTE_HOST) document.set('DOMAIN', host);
    }
    const copy = document.toString({ lineWidth: 0, flowCollectionPadding: false });
    // The new conf is as private as the one it is made from.
    const mode = statSync(join(pipeline.root, confPath(source))).mode & 0o777;
    const text = copy.replace(/\r?\n/g, lineEnding(sourceText));
    plan.actions.push(contentAction(`mcc/${conf}`, text, mode));
  }
  if (!exists) {
    const parameters: Record<string, unknown> = { conf };
    if (source.params.keep_builds !== undefined) parameters.keep_builds = source.params.keep_builds;
    const entry = { allow_branches: allow, auto_branches: auto, parameters };
    // Before the handler stages, where a re-run's config.yml has it too.
    const handlers = pipeline.stages
      .filter((stage) => stage.handler !== null && stage.handler !== 'rollback')
      .map((stage) => stage.name);
    let text = addToMap('config.yml', pipeline.configText, ['deploy'], name, entry, handlers);
    const rollback = `rollback-${name}`;
    if (!pipeline.stages.some((stage) => stage.name === rollback)) {
      const back = {
        allow_branches: allow,
        auto_branches: '-',
        parameters: { action: 'rollback', conf },
      };
      text = addToMap('config.yml', text, ['deploy'], rollback, back, handlers);
    }
    plan.actions.push(editAction('config.yml', text));
  }
  if (
    pipeline.answers &&
    pipeline.answersText &&
    !pipeline.answers.stages.some((s) => s.name === name)
  ) {
    const answers: StageAnswers = {
      name,
      allowBranches: allow,
      autoBranches: auto,
      remoteUser: String(values.REMOTE_USER),
      remoteHost: host,
      remoteBase: base,
      dirUser: String(values.DIR_USER),
      dirGroup: String(values.DIR_GROUP),
      // The conf is a copy of the source's: so are the lists the source has of its own.
      ...ownLists(pipeline.answers.stages.find((stage) => stage.name === source.name)),
    };
    plan.actions.push(
      editAction(ANSWERS_FILE, addToSeq(ANSWERS_FILE, pipeline.answersText, 'stages', answers)),
    );
  }
  if (confExists) plan.notes.push(`it deploys with the mcc/${conf} that is there`);
  else plan.notes.push(`its conf starts as a copy of ${confPath(source)}: check the server values`);
  if (flags.remoteHost === undefined && host !== sourceHost) {
    plan.notes.push(`REMOTE_HOST ${host} is ${source.name}'s with the stage name swapped`);
  }
  plan.notes.push(`rehearse it with: mcc try --stage ${name}`);
  return plan;
}

/** The conf's opening comment names its stage: say the new one instead. */
function retitle(document: Document, title: string): void {
  const first = isMap(document.contents) ? document.contents.items[0]?.key : undefined;
  const holder = document.commentBefore
    ? document
    : isNode(first) && first.commentBefore
      ? first
      : document;
  const lines = (holder.commentBefore ?? '').split('\n');
  lines[0] = title;
  holder.commentBefore = lines.join('\n');
}

/** The copy smoke-tests the new stage, never the public sites of the stage it came from. */
function resetSmokeUrls(document: Document, name: string, values: Record<string, unknown>): void {
  const items = isMap(document.contents) ? document.contents.items : [];
  const pair = items.find((item) => isScalar(item.key) && item.key.value === 'SMOKE_URLS');
  if (!pair || !isScalar(pair.key)) return;
  const port = Number(values.API_PORT ?? 8000);
  const smoke = smokeDefaults(name, port, String(values.HEALTH_PATH ?? DEFAULT_HEALTH_PATH));
  pair.value = parseDocument(smoke.urls, YAML_OPTIONS).contents;
  const notes = Object.values(SMOKE_NOTES).map((note) => ` ${note}`);
  const lines = pair.key.commentBefore?.split('\n') ?? [];
  const kept = lines.filter((line) => !notes.includes(line));
  pair.key.commentBefore = [...kept, ` ${smoke.note}`].join('\n');
}

function ownLists(stage: StageAnswers | undefined): Partial<StageAnswers> {
  const { domains, services, cronJobs } = stage ?? {};
  return {
    ...(domains && { domains }),
    ...(services && { services }),
    ...(cronJobs && { cronJobs }),
  };
}

/** The commented ENV_FILE example the generator writes names the stage it is for. */
function renameEnvFileExample(document: Document, from: string, to: string, project: string) {
  const example = (stage: string) => ` ENV_FILE: /etc/${stage}-${project}.env`;
  const items = isMap(document.contents) ? document.contents.items : [];
  for (const holder of items.map((item) => item.key).filter(isNode)) {
    const lines = holder.commentBefore?.split('\n');
    if (lines?.includes(example(from))) {
      holder.commentBefore = lines.map((l) => (l === example(from) ? example(to) : l)).join('\n');
    }
  }
}

function sourceStage(pipeline: Pipeline, name: string, from: string | undefined): StageEntry {
  if (from !== undefined) {
    const stage = findStage(pipeline, '--from', from);
    if (stage.handler !== null) {
      throw new UsageError(`--from ${JSON.stringify(from)}: not a deployment stage`);
    }
    return stage;
  }
  const stages = deploymentStages(pipeline).filter((stage) => stage.name !== name);
  const source = stages.at(-1);
  if (!source) throw new UsageError('config.yml has no deployment stage to copy a conf from');
  return source;
}
