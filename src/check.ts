/**
 * mcc check: the pipeline's files checked against what the deploy expects,
 * before a deploy finds out on the server. config.yml and every conf file are
 * read against a schema (a table of known keys, like the questions), and the
 * build's lists of files are compared with what the deploy reads.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { isPair, isScalar, visit, type Document } from 'yaml';

import { CommandError, UsageError } from './errors.js';
import { nearest } from './nearest.js';
import * as v from './validate.js';
import { parseYaml, toData, unexpectedBase } from './yaml-read.js';
import { readText } from './pipeline.js';
import { announcedRoot } from './root.js';
import { sharedFolder } from './answers.js';
import { DEPLOY_STAGES, HANDLER_STAGES } from './choices.js';

export interface Problem {
  file: string;
  /** Dotted path of the key, e.g. deploy.prod.allow_branches; empty for the whole file. */
  key: string;
  message: string;
  /** Worth knowing, but the deploy works: reported without failing the check. */
  warning?: boolean;
}

/** Says what is expected when a value is wrong, like a Validator but for any YAML value. */
type Rule = (value: unknown) => string | undefined;

interface KeyRule {
  required?: boolean;
  rule: Rule;
  /** An integer the deploy computes with: 8000.0 reads as a float in Python. */
  whole?: boolean;
}

type Schema = Record<string, KeyRule>;

const quote = (value: unknown) => JSON.stringify(value);

/** One value, read as text the way the deploy reads it with str(). */
function text(validator: v.Validator): Rule {
  return (value) => {
    if (typeof value === 'string' || typeof value === 'number') return validator(String(value));
    if (typeof value === 'boolean') {
      return 'text, in quotes: unquoted, on, off, yes and no read as true or false';
    }
    if (value instanceof Date) return 'text, in quotes: unquoted, it reads as a date';
    return value === null ? 'a value' : 'a single value, not a list or a mapping';
  };
}

function wholeNumber(validator: v.Validator): KeyRule {
  return { rule: (value) => validator(Number.isInteger(value) ? String(value) : ''), whole: true };
}

const positiveNumber: Rule = (value) =>
  typeof value === 'number' && value > 0 ? undefined : 'a positive number of seconds';

const boolean: Rule = (value) => (typeof value === 'boolean' ? undefined : 'true or false');

const absolutePath: Rule = (value) =>
  typeof value === 'string' && (value.startsWith('/') || value.startsWith('{{REMOTE_BASE}}'))
    ? undefined
    : 'an absolute path, or one starting with {{REMOTE_BASE}}';

const url: Rule = (value) =>
  typeof value === 'string' && /^https?:\/\/\S+$/.test(value)
    ? undefined
    : 'an http:// or https:// URL';

const words: Rule = (value) =>
  Array.isArray(value) && value.length > 0 && value.every((word) => typeof word === 'string')
    ? undefined
    : 'a non-empty list of words, e.g. [sudo, /bin/systemctl, restart, "{service}"]';

/** A file name in mcc/, as a stage's parameters name it. */
const confName: v.Validator = (value) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/.test(value) ? undefined : 'a file name in mcc/ ending .yml';

const STAGE_KEYS: Schema = {
  allow_branches: { required: true, rule: text(v.regularExpression) },
  auto_branches: { required: true, rule: text(v.branchPattern) },
  link: { rule: url },
  parameters: { rule: () => undefined },
};

const PARAMETER_KEYS: Schema = {
  conf: { rule: text(confName) },
  keep_builds: wholeNumber(v.positiveInteger),
  handler: { rule: text(v.stageName) },
  action: { rule: text(v.oneOf(['rollback'])) },
  source_conf: { rule: text(confName) },
  source: { rule: text(confName) },
  target: { rule: text(confName) },
};

const CONF_KEYS: Schema = {
  STAGE: { required: true, rule: text(v.stageName) },
  REMOTE_USER: { required: true, rule: text(v.userName) },
  REMOTE_HOST: { required: true, rule: text(v.host) },
  REMOTE_BASE: { required: true, rule: text(v.remoteBase) },
  DIR_USER: { required: true, rule: text(v.userName) },
  DIR_GROUP: { required: true, rule: text(v.userName) },
  SERVICE_NAME: { rule: text(v.unitName) },
  SERVICES: { rule: () => undefined },
  API_PORT: wholeNumber(v.port),
  WORKERS: wholeNumber(v.positiveInteger),
  DOMAIN: { rule: text(v.domain) },
  DOMAINS: { rule: () => undefined },
  HEALTH_PATH: { rule: text(v.urlPath) },
  RESTART_COMMAND: { rule: words },
  SMOKE_URLS: { rule: () => undefined },
  SMOKE_TIMEOUT: { rule: positiveNumber },
  BACKUP_ENABLED: { rule: boolean },
  BACKUP_PATH: { rule: absolutePath },
  BACKUP_RETENTION_DAILY: wholeNumber(v.positiveInteger),
  BACKUP_RETENTION_WEEKLY: wholeNumber(v.positiveInteger),
  CRON_JOBS: { rule: () => undefined },
  CRONTAB_FILE: { rule: absolutePath },
  DATABASE_BUSY_TIMEOUT: { rule: positiveNumber },
  ENV_FILE: { rule: absolutePath },
};

const CRON_JOB_KEYS: Schema = {
  name: { required: true, rule: text(v.stageName) },
  schedule: { required: true, rule: text(v.cronSchedule) },
};

class Report {
  readonly problems: Problem[] = [];
  /** Numbers as the file writes them (8000.0, .nan), by dotted key, for the messages. */
  numbers = new Map<string, string>();

  constructor(readonly file: string) {}

  add(key: string, message: string): void {
    this.problems.push({ file: this.file, key, message });
  }

  warn(key: string, message: string): void {
    this.problems.push({ file: this.file, key, message, warning: true });
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKey(key: string, known: string[]): string {
  const upper = key.toUpperCase();
  const guess = nearest(key, known);
  const longer = known.filter((name) => name.toUpperCase().startsWith(upper));
  if (guess) return `unknown key; did you mean ${guess}?`;
  if (longer.length > 0) return `unknown key; did you mean ${longer.join(' or ')}?`;
  return `unknown key (known: ${known.join(', ')})`;
}

function checkMapping(
  report: Report,
  path: string,
  value: Record<string, unknown>,
  schema: Schema,
  { strict = true } = {},
): void {
  const known = Object.keys(schema);
  for (const [key, item] of Object.entries(value)) {
    const where = path ? `${path}.${key}` : key;
    const rule = schema[key];
    if (!rule) {
      if (strict || nearest(key, known)) report.add(where, unknownKey(key, known));
      continue;
    }
    const problem = rule.rule(item);
    const written = typeof item === 'number' ? report.numbers.get(where) : undefined;
    const base = written === undefined ? undefined : unexpectedBase(written);
    if (problem) report.add(where, `${written ?? quote(item)}: expected ${problem}`);
    else if (rule.whole && written !== undefined && writtenAsFloat(written)) {
      report.add(where, `${written}: expected a whole number, without a point`);
    } else if (base !== undefined) {
      const why = base === 'sexagesimal' ? 'a:b is a * 60 + b' : 'a leading 0 makes it octal';
      report.warn(where, `${written} reads as ${String(item)} (${why}): write the number meant`);
    }
  }
  for (const [key, rule] of Object.entries(schema)) {
    if (rule.required && !(key in value)) report.add(path ? `${path}.${key}` : key, 'missing');
  }
}

function checkList(
  report: Report,
  key: string,
  value: unknown,
  validator: v.Validator,
  what: string,
  same: (item: string) => string = (item) => item,
): void {
  if (!Array.isArray(value) || value.length === 0) {
    report.add(key, `${quote(value)}: expected a non-empty list of ${what}`);
    return;
  }
  value.forEach((item, i) => {
    const problem = typeof item === 'string' ? validator(item) : `a ${what.replace(/s$/, '')}`;
    if (problem) report.add(`${key}[${i}]`, `${quote(item)}: expected ${problem}`);
  });
  const twice = v.listedTwice(value, same);
  if (twice) report.add(key, twice);
}

/** Python reads 8000.0 and 8.0e3 as floats, where the deploy needs a whole number. */
const writtenAsFloat = (source: string) => /[.eE]/.test(source) && !/^[-+]?0x/i.test(source);

function numbersAsWritten(document: Document.Parsed): Map<string, string> {
  const numbers = new Map<string, string>();
  visit(document, {
    Scalar(at, node, ancestors) {
      if (at === 'key' || typeof node.value !== 'number') return;
      const keys = ancestors
        .filter(isPair)
        .map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
      numbers.set(keys.join('.'), node.source ?? String(node.value));
    },
  });
  return numbers;
}

/** Parse a YAML file, reporting syntax errors with their line. */
function readYaml(root: string, file: string, report: Report): unknown {
  const { document, problems } = parseYaml(readText(root, file) ?? '');
  for (const { line, message } of problems) report.add(line ? `line ${line}` : '', message);
  if (problems.length > 0) return undefined;
  report.numbers = numbersAsWritten(document);
  try {
    return toData(file, document);
  } catch (error) {
    report.add('', (error as Error).message.replace(`${file}: `, ''));
    return undefined;
  }
}

interface StageUse {
  stage: string;
  conf: string;
  /** A deployment stage: its conf's STAGE should be its name. */
  deploys: boolean;
}

function checkConfig(root: string, report: Report): StageUse[] {
  const config = readYaml(root, 'config.yml', report);
  if (config === undefined) return [];
  if (!isMapping(config)) {
    report.add('', 'expected a mapping with a deploy key');
    return [];
  }
  // Other top-level keys may hold anchors that stages merge in with <<.
  checkMapping(
    report,
    '',
    config,
    { deploy: { required: true, rule: () => undefined } },
    {
      strict: false,
    },
  );
  const stages = config.deploy;
  if (stages === undefined) return [];
  if (!isMapping(stages) || Object.keys(stages).length === 0) {
    report.add('deploy', 'expected a mapping of stage names to their settings');
    return [];
  }
  const uses: StageUse[] = [];
  for (const [name, stage] of Object.entries(stages)) {
    const path = `deploy.${name}`;
    const problem = v.stageName(name);
    if (problem) report.add(path, `${quote(name)}: expected ${problem}`);
    if (!isMapping(stage)) {
      report.add(path, 'expected a mapping with allow_branches and auto_branches');
      continue;
    }
    checkMapping(report, path, stage, STAGE_KEYS);
    const parameters = stage.parameters ?? {};
    if (!isMapping(parameters)) {
      report.add(`${path}.parameters`, 'expected a mapping');
      continue;
    }
    // Parameters are free-form, read by the deploy: only near-misses are flagged.
    checkMapping(report, `${path}.parameters`, parameters, PARAMETER_KEYS, { strict: false });
    const runs = parameters.handler ?? parameters.action;
    if (runs !== undefined && name in DEPLOY_STAGES) {
      report.add(
        path,
        `${quote(name)} is a deployment stage's name, but this stage runs ${quote(runs)} ` +
          'and deploys nothing: give it a name of its own',
      );
    }
    if (runs === undefined && name in HANDLER_STAGES) {
      report.add(
        path,
        `${quote(name)} is the name of a handler stage, but this stage runs no handler ` +
          `and deploys: add handler: ${name} to its parameters, or rename it`,
      );
    }
    const conf = parameters.conf ?? `conf-${name}.yml`;
    if (typeof conf === 'string' && !confName(conf)) {
      uses.push({ stage: name, conf, deploys: runs === undefined });
      if (!existsSync(join(root, 'mcc', conf))) {
        const how = parameters.conf === undefined ? 'has no parameters.conf, so it reads' : 'names';
        report.add(`${path}.parameters.conf`, `stage ${name} ${how} mcc/${conf}, which is missing`);
      }
    }
    for (const key of ['source_conf', 'source', 'target'] as const) {
      const other = parameters[key];
      if (typeof other === 'string' && !confName(other)) {
        uses.push({ stage: name, conf: other, deploys: false });
      }
      if (typeof other === 'string' && !confName(other) && !existsSync(join(root, 'mcc', other))) {
        report.add(`${path}.parameters.${key}`, `mcc/${other} is missing`);
      }
    }
    const handler = parameters.handler;
    if (typeof handler === 'string' && !v.stageName(handler)) {
      const module = `mcc/stages/${handler.replace(/-/g, '_')}.py`;
      if (!existsSync(join(root, module))) {
        report.add(`${path}.parameters.handler`, `${quote(handler)}: ${module} is missing`);
      }
    }
  }
  return uses;
}

function checkCronJobs(root: string, report: Report, jobs: unknown): void {
  if (!Array.isArray(jobs)) {
    report.add('CRON_JOBS', `${quote(jobs)}: expected a list of {name, schedule}`);
    return;
  }
  jobs.forEach((job, i) => {
    const key = `CRON_JOBS[${i}]`;
    if (!isMapping(job)) {
      report.add(key, `${quote(job)}: expected a mapping with name and schedule`);
      return;
    }
    checkMapping(report, key, job, CRON_JOB_KEYS);
    if (typeof job.name === 'string' && !v.stageName(job.name)) {
      const script = `mcc/cron/${job.name.replace(/-/g, '_')}.py`;
      if (!existsSync(join(root, script))) report.add(`${key}.name`, `${script} is missing`);
    }
  });
  const names = jobs.map((job) => (isMapping(job) ? job.name : undefined));
  const duplicate = names.find((name, i) => name !== undefined && names.indexOf(name) !== i);
  if (duplicate !== undefined) report.add('CRON_JOBS', `${quote(duplicate)} is listed twice`);
}

/** Checks one conf; returns what it holds, when that is a mapping. */
function checkConf(
  root: string,
  file: string,
  report: Report,
  uses: StageUse[],
): Record<string, unknown> | undefined {
  const conf = readYaml(root, file, report);
  if (conf === undefined) return undefined;
  const name = file.replace(/^mcc\//, '');
  const users = uses.filter((use) => use.conf === name);
  if (users.length === 0 && uses.length > 0) report.warn('', 'no stage of config.yml uses it');
  for (const use of users.filter((u) => u.deploys)) {
    if (isMapping(conf) && typeof conf.STAGE === 'string' && conf.STAGE !== use.stage) {
      report.add(
        'STAGE',
        `${quote(conf.STAGE)}, but stage ${use.stage} of config.yml deploys with it: ` +
          'STAGE names the stage the conf is for (mcc try and reset-dev go by it)',
      );
    }
  }
  if (!isMapping(conf)) {
    report.add('', 'expected a mapping of upper-case keys');
    return undefined;
  }
  checkMapping(report, '', conf, CONF_KEYS);
  if (!('SERVICE_NAME' in conf) && !('SERVICES' in conf)) {
    report.add('SERVICE_NAME', 'missing: give SERVICE_NAME or a SERVICES list');
  }
  if ('SERVICE_NAME' in conf && 'SERVICES' in conf) {
    report.add('SERVICE_NAME', 'ignored, because SERVICES is given: keep one of the two');
  }
  if ('SERVICES' in conf) {
    checkList(report, 'SERVICES', conf.SERVICES, v.unitName, 'unit names', v.unitKey);
  }
  // A single-tenant conf may leave DOMAINS empty.
  const domains = conf.DOMAINS;
  if (Array.isArray(domains) ? domains.length > 0 : domains !== undefined && domains !== null) {
    checkList(report, 'DOMAINS', conf.DOMAINS, v.domain, 'domains', v.domainKey);
  }
  if ('SMOKE_URLS' in conf) {
    checkList(report, 'SMOKE_URLS', conf.SMOKE_URLS, (u) => url(u), 'URLs');
  }
  if ('CRON_JOBS' in conf) checkCronJobs(root, report, conf.CRON_JOBS);
  return conf;
}

/** Reads the build's lists and what the deploy modules import and open, with Python's ast. */
const READ_SCRIPTS = `
import ast, json, sys
from pathlib import Path

root = Path(sys.argv[1])
result = {}
for name in sys.argv[2:]:
    path = root / name
    if not path.is_file():
        continue
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), name)
    except SyntaxError as error:
        result[name] = {"error": f"line {error.lineno}: {error.msg}"}
        continue
    constants, imports, joins = {}, set(), {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    constants[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imports.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.left, ast.Name)
            and isinstance(node.right, ast.Constant)
        ):
            joins.setdefault(node.left.id, set()).add(str(node.right.value))
    result[name] = {
        "constants": {k: v for k, v in constants.items() if isinstance(v, (str, list))},
        "imports": sorted(imports),
        "joins": {k: sorted(v) for k, v in joins.items()},
    }
print(json.dumps(result))
`;

interface Script {
  error?: string;
  constants: Record<string, unknown>;
  imports: string[];
  /** The names joined to a path variable: HERE / "config.yml" gives HERE: [config.yml]. */
  joins: Record<string, string[]>;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Everything mcc_deploy.py and the modules it imports read from output/ must be shipped. */
async function checkBuildCopies(root: string, report: Report): Promise<void> {
  const candidates = readdirSync(root).filter((name) => /^mcc_\w+\.py$/.test(name));
  const result = await execa('python3', ['-I', '-S', '-c', READ_SCRIPTS, root, ...candidates], {
    reject: false,
  });
  if (result.exitCode !== 0) {
    process.stderr.write('note: python3 is needed to compare the build with the deploy; skipped\n');
    return;
  }
  const scripts = JSON.parse(result.stdout) as Record<string, Script>;
  for (const [name, script] of Object.entries(scripts)) {
    if (script.error) report.problems.push({ file: name, key: '', message: script.error });
  }
  const build = scripts['mcc_build.py'];
  const deploy = scripts['mcc_deploy.py'];
  for (const [name, script] of [
    ['mcc_build.py', build],
    ['mcc_deploy.py', deploy],
  ] as const) {
    if (!script) report.problems.push({ file: name, key: '', message: 'missing' });
  }
  if (!build || build.error || !deploy || deploy.error) return;

  const deployFiles = strings(build.constants.DEPLOY_FILES);
  const optional = strings(build.constants.OPTIONAL_FILES);
  const backend = strings(build.constants.BACKEND);
  const folder = build.constants.PIPELINE_FOLDER;
  const folders = [String(folder), ...strings([build.constants.ALEMBIC_FOLDER])];
  const written = build.joins.OUTPUT ?? [];
  const shipped = new Set([...deployFiles, ...optional, ...backend, ...folders, ...written]);
  const need = (file: string, why: string) => {
    if (!shipped.has(file)) report.add('DEPLOY_FILES', `${file} is not copied, but ${why}`);
  };

  if (folder !== 'mcc') {
    report.add('PIPELINE_FOLDER', `${quote(folder)}: the deploy reads its conf files from mcc/`);
  }
  for (const file of deployFiles) {
    if (!existsSync(join(root, file))) {
      report.add('DEPLOY_FILES', `${file} is listed but missing from the repository`);
    }
  }
  for (const dir of backend) {
    if (!existsSync(join(root, dir)) || !statSync(join(root, dir)).isDirectory()) {
      report.add('BACKEND', `${quote(dir)}: the back-end folder is missing`);
    }
  }
  for (const file of ['mcc_deploy.py', 'config.yml', 'pyproject.toml', 'uv.lock']) {
    need(file, 'the deploy runs from output/ and needs it');
  }
  const seen = new Set<string>();
  const visit = (name: string) => {
    const script = scripts[name];
    if (seen.has(name) || !script || script.error) return;
    seen.add(name);
    for (const module of script.imports) {
      const file = `${module}.py`;
      if (module !== 'mcc_build' && scripts[file]) {
        need(file, `${name} imports ${module}`);
        visit(file);
      }
    }
    for (const file of script.joins.HERE ?? []) {
      if (!optional.includes(file)) need(file, `${name} reads it`);
    }
  };
  visit('mcc_deploy.py');
  for (const file of strings(deploy.constants.RELEASE_FILES)) {
    if (file !== 'build_info.yml') need(file, 'mcc_deploy.py copies it into each release');
  }
}

interface CheckedConf {
  name: string;
  report: Report;
  values: Record<string, unknown> | undefined;
}

/** Two deployment stages in one folder on one server would take each other's releases. */
function checkSeparateFolders(uses: StageUse[], confs: CheckedConf[]): void {
  const seen: { name: string; remoteHost: string; remoteBase: string }[] = [];
  // In config.yml's order: the later stage's conf is the one reported.
  for (const name of new Set(uses.filter((use) => use.deploys).map((use) => use.conf))) {
    const { report, values } = confs.find((conf) => conf.name === name) ?? {};
    if (report === undefined || values === undefined) continue;
    const [remoteHost, remoteBase] = [String(values.REMOTE_HOST), String(values.REMOTE_BASE)];
    const other = sharedFolder(seen, remoteHost, remoteBase);
    if (other !== undefined) {
      report.add('REMOTE_BASE', `the same folder on the same host as mcc/${other}`);
    }
    seen.push({ name, remoteHost, remoteBase });
  }
}

/** A migration the deploy would refuse: one with nothing but comments in it. */
function checkMigrations(root: string): Report[] {
  const folder = join(root, 'mcc', 'migrations');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .flatMap((name) => {
      const sql = readText(root, `mcc/migrations/${name}`) ?? '';
      const code = sql
        .replace(/--[^\n]*/g, '')
        .replace(/\/\*[^]*?\*\//g, '')
        .replace(/[\s;]/g, '');
      if (code !== '') return [];
      const report = new Report(`mcc/migrations/${name}`);
      report.add('', 'holds no SQL yet: write it, or remove the file before the next deploy');
      return [report];
    });
}

export async function checkPipeline(root: string): Promise<Problem[]> {
  if (!existsSync(join(root, 'config.yml'))) {
    throw new CommandError(`no config.yml in ${root}: run npx create-mcc-pipeline there first`);
  }
  const config = new Report('config.yml');
  const uses = checkConfig(root, config);
  const confFiles = new Set(
    existsSync(join(root, 'mcc'))
      ? readdirSync(join(root, 'mcc')).filter((name) => /^conf-.*\.ya?ml$/.test(name))
      : [],
  );
  for (const use of uses) if (existsSync(join(root, 'mcc', use.conf))) confFiles.add(use.conf);
  const confs = [...confFiles].sort().map((name): CheckedConf => {
    const report = new Report(`mcc/${name}`);
    return { name, report, values: checkConf(root, `mcc/${name}`, report, uses) };
  });
  checkSeparateFolders(uses, confs);
  const migrations = checkMigrations(root);
  const build = new Report('mcc_build.py');
  await checkBuildCopies(root, build);
  const reports = [config, ...confs.map((conf) => conf.report), ...migrations, build];
  return reports.flatMap((report) => report.problems);
}

export function formatProblem({ file, key, message, warning }: Problem): string {
  return `${file}: ${warning ? 'warning: ' : ''}${key ? `${key}: ` : ''}${message}`;
}

/** Prints every problem, one a line; returns the exit code. */
export async function runCheck(directory: string): Promise<number> {
  const start = resolve(directory);
  if (!existsSync(start) || !statSync(start).isDirectory()) {
    throw new UsageError(`${quote(directory)}: expected a folder`);
  }
  const found = await checkPipeline(announcedRoot(start));
  for (const problem of found) process.stdout.write(`${formatProblem(problem)}\n`);
  const problems = found.filter((problem) => !problem.warning);
  if (problems.length > 0) {
    const files = new Set(problems.map((p) => p.file)).size;
    process.stderr.write(
      `error: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} ` +
        `file${files === 1 ? '' : 's'}\n`,
    );
    return 1;
  }
  process.stdout.write(
    'config.yml and the conf files are valid; the build copies what the deploy reads\n',
  );
  return 0;
}
