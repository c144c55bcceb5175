/**
 * mcc try: the pipeline rehearsed on this machine. It runs the real
 * mcc_build.py, copies output/ away as the pipeline uploads it, points the
 * copy's conf at a sandbox folder and at the supervisor, and runs the real
 * mcc_deploy.py from there.
 */
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import pc from '../colours.js';
import { parse, parseDocument } from 'yaml';

import { databaseName, readAnswers, type Answers } from '../answers.js';
import { CommandError, UsageError } from '../errors.js';
import { fsReason } from '../files.js';
import { PACKAGE_ROOT } from '../paths.js';
import { READ_OPTIONS, readYamlData } from '../yaml-read.js';
import * as v from '../validate.js';
import { Signals } from './signals.js';
import {
  alive,
  runningPid,
  STATE_FOLDER,
  stopAll,
  writeState,
  type ServiceSpec,
  type SupervisorState,
} from './supervisor.js';

export interface TryOptions {
  stage: string;
  sandbox?: string;
  port?: string;
  keepRunning: boolean;
  skipBuild: boolean;
  /** For a stage that reads another stage's conf (source_conf): where that stage lives. */
  sourceSandbox?: string;
}

/** The sandbox's env file, in its state folder. */
const ENV_FILE = 'env';
/** The STAGE of the conf the sandbox was first tried with. */
const STAGE_FILE = 'stage';

/** libpq variables that name a server or database without DATABASE_URL. */
const LIBPQ_CONNECTION = ['PGHOST', 'PGDATABASE', 'PGSERVICE'];

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(true));
    server.listen(port, '127.0.0.1', () => server.close(() => done(false)));
  });
}

/** What a URL answers, read with node:http, which refuses no port. */
function probe(url: string): Promise<string> {
  return new Promise((done) => {
    const request = get(url, { timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        done(`${url} answered ${response.statusCode}: ${body.slice(0, 120)}`),
      );
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', (error: NodeJS.ErrnoException) =>
      done(`${url} did not answer (${error.code ?? error.message})`),
    );
  });
}

/**
 * One mcc try per sandbox at a time: a second one's deploy would be refused by
 * the deploy lock, and its clean-up would then stop the first one's app.
 */
function holdSandbox(state: string, base: string): void {
  const path = join(state, 'try.pid');
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder > 0 && holder !== process.pid && alive(holder)) {
      throw new CommandError(
        `another mcc try (pid ${holder}) is using the sandbox ${base}; wait for it to finish`,
      );
    }
    writeFileSync(path, String(process.pid));
  }
  process.once('exit', () => rmSync(path, { force: true }));
}

function stageParameters(root: string, stage: string): Record<string, unknown> {
  const text = readFileSync(join(root, 'config.yml'), 'utf8');
  const config = (readYamlData('config.yml', text) ?? {}) as { deploy?: Record<string, any> };
  const stages = config.deploy ?? {};
  if (!(stage in stages)) {
    const known = Object.keys(stages).join(', ') || 'none';
    throw new UsageError(`--stage ${JSON.stringify(stage)}: not in config.yml (stages: ${known})`);
  }
  const parameters = stages[stage]?.parameters ?? {};
  const conf = String(parameters.conf ?? `conf-${stage}.yml`);
  if (!existsSync(join(root, 'mcc', conf))) {
    throw new CommandError(`stage ${stage} names mcc/${conf}, which does not exist`);
  }
  return parameters;
}

/** The source conf of a clone: its sandbox's folder and, for PostgreSQL, its env file. */
function pointSourceAtSandbox(path: string, base: string): void {
  const document = parseDocument(readFileSync(path, 'utf8'), READ_OPTIONS);
  document.set('REMOTE_BASE', base);
  const envFile = join(base, STATE_FOLDER, ENV_FILE);
  if (existsSync(envFile)) document.set('ENV_FILE', envFile);
  writeFileSync(path, document.toString());
}

/** The nearest folder of path, or path itself, that exists. */
function nearestExisting(path: string): string {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return existing;
}

/**
 * The sandbox must be outside the repository, and empty or an earlier sandbox;
 * checked before anything is created, so a bad one leaves no folder behind.
 */
function checkSandbox(root: string, sandbox: string): void {
  const quoted = `--sandbox ${JSON.stringify(sandbox)}`;
  const path = resolve(sandbox);
  const existing = nearestExisting(path);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`${quoted}: ${existing} is a file, expected a folder`);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${quoted}: ${existing} is not writable`);
  }
  // A folder can refuse new folders though its mode allows them (/proc, /sys, a
  // read-only mount): make one and take it away again.
  try {
    rmdirSync(mkdtempSync(join(existing, '.mcc-try-')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'its file system takes none' : fsReason(error);
    throw new UsageError(`${quoted}: no folder can be made in ${existing}: ${reason}`);
  }
  const inside = relative(
    realpathSync(root),
    join(realpathSync(existing), relative(existing, path)),
  );
  if (inside !== '..' && !inside.startsWith('../') && !isAbsolute(inside)) {
    throw new UsageError(`${quoted}: expected a folder outside the repository`);
  }
  if (existing !== path) return;
  if (readdirSync(path).length > 0 && !existsSync(join(path, STATE_FOLDER))) {
    throw new UsageError(`${quoted}: expected an empty folder or an earlier sandbox of mcc try`);
  }
}

/** The sandbox folder and its state folder, made only once every check passed. */
function createSandbox(sandbox: string | undefined): string {
  const base = sandbox ? resolve(sandbox) : mkdtempSync(join(tmpdir(), 'mcc-sandbox-'));
  try {
    mkdirSync(join(base, 'logs'), { recursive: true });
    mkdirSync(join(base, STATE_FOLDER), { recursive: true });
  } catch (error) {
    throw new CommandError(`cannot create the sandbox ${base}: ${(error as Error).message}`);
  }
  return base;
}

/**
 * The module `python -m` runs for each service beyond the first: the last word
 * of its name, found in a back-end folder.
 */
function workerModules(root: string, answers: Answers): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const service of answers.services.slice(1)) {
    const word = service
      .split(/[-_.@]/)
      .filter(Boolean)
      .pop()!;
    const folder = answers.backend.find((f) => existsSync(join(root, f, `${word}.py`)));
    if (!folder) {
      throw new CommandError(
        `mcc try cannot start service ${service}: no ${word}.py in ${answers.backend.join(' or ')}`,
      );
    }
    modules[service] = `${folder.replace(/^src\//, '').replace(/\//g, '.')}.${word}`;
  }
  return modules;
}

function serviceSpecs(
  answers: Answers,
  modules: Record<string, string>,
  base: string,
  port: number,
): Record<string, ServiceSpec> {
  const api = answers.services[0]!;
  const logs = join(base, 'logs');
  const env: Record<string, string> = { MCC_REMOTE_BASE: base };
  if (answers.database === 'sqlite' && answers.tenancy === 'single') {
    env.DATABASE_PATH = join(base, 'data', `${answers.project.replace(/[^A-Za-z0-9]+/g, '_')}.db`);
  }
  const python = '.venv/bin/python';
  const specs: Record<string, ServiceSpec> = {
    [api]: {
      command: [
        python,
        '-m',
        'uvicorn',
        answers.appModule,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      env,
      log: join(logs, `${api}.log`),
    },
  };
  for (const [service, module] of Object.entries(modules)) {
    specs[service] = {
      command: [python, '-m', module],
      env: { ...env, WORKER_HEARTBEAT: join(logs, `${service}.heartbeat`) },
      log: join(logs, `${service}.log`),
    };
  }
  return specs;
}

/**
 * The sandbox's database: DATABASE_URL with {stage} replaced by the conf's
 * STAGE, and, when it names no database, the project's followed by the stage,
 * so that a prod and a dev sandbox tried with one URL never share a database.
 */
export function sandboxDatabaseUrl(url: string, stage: string, project: string): string {
  const named = url.replaceAll('{stage}', stage);
  let parsed;
  try {
    parsed = new URL(named);
  } catch {
    throw new UsageError(`DATABASE_URL ${JSON.stringify(url)}: expected postgresql://…`);
  }
  if (parsed.pathname.replace(/^\//, '') !== '') return named;
  parsed.pathname = `/${databaseName(project)}_${stage}`;
  return parsed.toString();
}

/**
 * A PostgreSQL project reads its connection from an env file on the server;
 * the sandbox gets one holding the DATABASE_URL mcc try was given, and keeps
 * it for later tries that give none (a handler stage, the source of a clone).
 */
function writeEnvFile(state: string, answers: Answers, stage: string): string | null {
  if (answers.database !== 'postgres') return null;
  const path = join(state, ENV_FILE);
  const url = process.env.DATABASE_URL;
  if (!url) return existsSync(path) ? path : null;
  const sandboxUrl = sandboxDatabaseUrl(url, stage, answers.project);
  writeFileSync(path, `DATABASE_URL=${sandboxUrl}\n`, { mode: 0o600 });
  return path;
}

/**
 * A PostgreSQL project's deploy needs a connection; without one it would fail
 * a minute later, deep in the deploy, as libpq's default role. Refused before
 * the build instead.
 */
function checkConnection(answers: Answers, sandbox: string | undefined): void {
  if (answers.database !== 'postgres') return;
  const url = process.env.DATABASE_URL;
  if (url) {
    if (/[\r\n]/.test(url)) throw new UsageError('DATABASE_URL must be one line');
    sandboxDatabaseUrl(url, 'dev', answers.project);
    return;
  }
  if (LIBPQ_CONNECTION.some((name) => process.env[name])) return;
  if (sandbox !== undefined && existsSync(join(resolve(sandbox), STATE_FOLDER, ENV_FILE))) return;
  throw new UsageError(
    'DATABASE_URL is not set: a PostgreSQL project needs it, e.g. ' +
      `DATABASE_URL=postgresql://USER:PASSWORD@127.0.0.1 mcc try --stage dev`,
  );
}

/**
 * A sandbox rehearses one stage: its data and its database are that stage's.
 * A handler that works on another stage's conf (reset-dev in a sandbox tried
 * as prod) would wipe or overwrite what the sandbox holds, so it is refused.
 */
function checkSandboxStage(
  flag: string,
  sandbox: string | undefined,
  name: string,
  stage: string,
): void {
  if (sandbox === undefined || stage === '') return;
  const recorded = join(resolve(sandbox), STATE_FOLDER, STAGE_FILE);
  const held = existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : stage;
  if (held === stage) return;
  throw new UsageError(
    `${flag} ${JSON.stringify(sandbox)}: it holds a rehearsal of ${held}, but ` +
      `--stage ${name} works on ${stage} there: give it a sandbox of ${stage}'s`,
  );
}

/** The folder itself, through any link, so that two names of one folder compare equal. */
function realFolder(path: string): string {
  return existsSync(path) ? realpathSync(path) : resolve(path);
}

function confStage(path: string, fallback: string): string {
  const stage = parse(readFileSync(path, 'utf8'), READ_OPTIONS)?.STAGE;
  return typeof stage === 'string' && stage ? stage : fallback;
}

export function pointConfAtSandbox(
  path: string,
  base: string,
  state: string,
  answers: Answers,
  port: number,
  envFile: string | null,
): void {
  const document = parseDocument(readFileSync(path, 'utf8'), READ_OPTIONS);
  const user = userInfo().username;
  const group = user === 'root' ? 'root' : readGroup();
  const local = `http://127.0.0.1:${port}`;
  document.set('REMOTE_BASE', base);
  document.set('DIR_USER', user);
  document.set('DIR_GROUP', group);
  document.set('RESTART_COMMAND', [
    process.execPath,
    join(PACKAGE_ROOT, 'bin', 'mcc.js'),
    'supervise',
    'restart',
    state,
    '{service}',
  ]);
  document.set('SMOKE_URLS', [`${local}/`, `${local}${answers.healthPath}`]);
  document.set('CRONTAB_FILE', join(state, 'crontab'));
  if (envFile) document.set('ENV_FILE', envFile);
  writeFileSync(path, document.toString());
}

function readGroup(): string {
  const gid = process.getgid?.() ?? 0;
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? userInfo().username;
}

function layout(base: string): string {
  const lines: string[] = [];
  for (const entry of readdirSync(base, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name === STATE_FOLDER) continue;
    const path = join(base, entry.name);
    if (entry.isSymbolicLink()) {
      lines.push(`  ${entry.name} -> ${readlinkSync(path)}`);
    } else if (entry.isDirectory()) {
      const children = readdirSync(path).filter((name) => !name.startsWith('.'));
      lines.push(`  ${entry.name}/  ${children.sort().join('  ')}`);
    }
  }
  return lines.join('\n');
}

/** What a try works with, worked out before anything is created or built. */
interface Plan {
  answers: Answers;
  parameters: Record<string, unknown>;
  conf: string;
  port: number;
  modules: Record<string, string>;
}

/** Every check that can be made before the sandbox exists. */
async function plan(root: string, options: TryOptions): Promise<Plan> {
  v.check('--stage', options.stage, v.stageName);
  if (options.port !== undefined) v.check('--port', options.port, v.port);
  if (options.sandbox !== undefined) checkSandbox(root, options.sandbox);
  for (const file of ['mcc_build.py', 'mcc_deploy.py', 'config.yml']) {
    if (!existsSync(join(root, file))) {
      throw new CommandError(`no ${file} in ${root}: run npx create-mcc-pipeline there first`);
    }
  }
  const answers = readAnswers(root);
  if (!answers)
    throw new CommandError(
      `no mcc/answers.yml in ${root}: run npx create-mcc-pipeline there first`,
    );
  const parameters = stageParameters(root, options.stage);
  const conf = String(parameters.conf ?? `conf-${options.stage}.yml`);
  if (options.sourceSandbox !== undefined && typeof parameters.source_conf !== 'string') {
    throw new UsageError(`--source-sandbox: stage ${options.stage} reads no source_conf`);
  }
  if (options.sourceSandbox === undefined && typeof parameters.source_conf === 'string') {
    throw new UsageError(
      `--stage ${options.stage} copies from the stage of ${parameters.source_conf}: ` +
        'pass --source-sandbox with the sandbox that stage was tried in',
    );
  }
  if (
    options.sourceSandbox !== undefined &&
    !existsSync(join(resolve(options.sourceSandbox), STATE_FOLDER))
  ) {
    throw new UsageError(
      `--source-sandbox ${JSON.stringify(options.sourceSandbox)}: ` +
        'expected a sandbox mcc try deployed the source stage into',
    );
  }
  if (
    options.sourceSandbox !== undefined &&
    options.sandbox !== undefined &&
    realFolder(options.sourceSandbox) === realFolder(options.sandbox)
  ) {
    throw new UsageError(
      `--source-sandbox ${JSON.stringify(options.sourceSandbox)}: it is the --sandbox itself; ` +
        'a clone copies from the sandbox another stage was tried in',
    );
  }
  const output = join(root, 'output');
  if (options.skipBuild && !existsSync(join(output, 'mcc_deploy.py'))) {
    const what = existsSync(output) ? `${output} holds no mcc_deploy.py` : `no ${output} folder`;
    throw new UsageError(`--skip-build: ${what}, nothing to deploy; run without --skip-build`);
  }
  checkConnection(answers, options.sandbox);
  const confFile = join(root, 'mcc', conf);
  if (existsSync(confFile)) {
    checkSandboxStage('--sandbox', options.sandbox, options.stage, confStage(confFile, ''));
  }
  const sourceFile = join(root, 'mcc', String(parameters.source_conf));
  if (options.sourceSandbox !== undefined && existsSync(sourceFile)) {
    const source = confStage(sourceFile, '');
    checkSandboxStage('--source-sandbox', options.sourceSandbox, options.stage, source);
  }
  const modules = workerModules(root, answers);
  return { answers, parameters, conf, port: await sandboxPort(options), modules };
}

/** --port, else the port of the sandbox's earlier try, else a free one. */
async function sandboxPort(options: TryOptions): Promise<number> {
  const state = options.sandbox === undefined ? null : join(resolve(options.sandbox), STATE_FOLDER);
  const previous =
    state !== null && existsSync(join(state, 'state.json'))
      ? (JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as SupervisorState)
      : null;
  const port = Number(options.port ?? previous?.port ?? (await freePort()));
  const ours =
    state !== null &&
    previous !== null &&
    runningPid(state, Object.keys(previous.services)[0]!) !== null;
  if (!ours && (await portTaken(port))) {
    throw new UsageError(
      `--port ${JSON.stringify(String(port))}: another program listens on 127.0.0.1:${port}; ` +
        'pick a free port, or leave --port out',
    );
  }
  return port;
}

/**
 * Build, deploy into the sandbox, smoke-test. Whatever ends the try (a failure,
 * an error, a signal), the apps it started are stopped, unless it passed and
 * --keep-running asks to leave them up.
 */
export async function tryDeploy(root: string, options: TryOptions): Promise<number> {
  const planned = await plan(root, options);

  const base = createSandbox(options.sandbox);
  const state = join(base, STATE_FOLDER);
  holdSandbox(state, base);
  const signals = new Signals(base);
  let passed = false;
  try {
    if (!options.skipBuild) await build(root, base, signals);
    const ok = await deploy(root, options, planned, base, signals);
    // A signal after the smoke test still stops the try, and the apps with it.
    signals.check();
    passed = ok;
    return passed ? 0 : 1;
  } catch (error) {
    throw naming(error, base);
  } finally {
    if (!(options.keepRunning && passed)) await stopAll(state);
    signals.dispose();
  }
}

async function build(root: string, base: string, signals: Signals): Promise<void> {
  process.stdout.write(pc.bold('== build: uv run mcc_build.py --link-mode=copy\n'));
  const code = await signals.run(
    'uv',
    ['run', 'mcc_build.py', '--link-mode=copy'],
    { cwd: root },
    'group',
  );
  if (code !== 0) {
    throw new CommandError(
      `the build failed (exit code ${code}); nothing was deployed into the sandbox ${base}`,
    );
  }
}

/** The deploy from a copy of output/, as uploaded; true when it and the smoke test passed. */
async function deploy(
  root: string,
  options: TryOptions,
  planned: Plan,
  base: string,
  signals: Signals,
): Promise<boolean> {
  const { answers, parameters, port } = planned;
  const state = join(base, STATE_FOLDER);
  const upload = mkdtempSync(join(tmpdir(), 'mcc-upload-'));
  try {
    cpSync(join(root, 'output'), upload, { recursive: true, verbatimSymlinks: true });
    const confFile = join(upload, 'mcc', planned.conf);
    const stage = confStage(confFile, options.stage);
    writeFileSync(join(state, STAGE_FILE), `${stage}\n`);
    const envFile = writeEnvFile(state, answers, stage);
    pointConfAtSandbox(confFile, base, state, answers, port, envFile);
    if (options.sourceSandbox !== undefined) {
      const source = join(upload, 'mcc', String(parameters.source_conf));
      pointSourceAtSandbox(source, resolve(options.sourceSandbox));
    }
    const services = serviceSpecs(answers, planned.modules, base, port);
    writeState(state, { base, port, services });

    process.stdout.write(
      pc.bold(`== deploy: uv run mcc_deploy.py --stage ${options.stage}  (sandbox ${base})\n`),
    );
    // With an env file the deploy must find its connection there, as on a server.
    const { DATABASE_URL: _url, ...withoutUrl } = process.env;
    const code = await signals.run(
      'uv',
      ['run', 'mcc_deploy.py', '--stage', options.stage],
      {
        cwd: upload,
        env: envFile ? withoutUrl : process.env,
        extendEnv: false,
      },
      'uv',
    );

    process.stdout.write(pc.bold(`== sandbox ${base}\n`) + layout(base) + '\n');
    const running = Object.keys(services).filter((s) => runningPid(state, s) !== null);
    if (running.length > 0) {
      const smoke = await probe(`http://127.0.0.1:${port}${answers.healthPath}`);
      process.stdout.write(pc.bold('== smoke ') + smoke + '\n');
      const pids = running.map((s) => `${s}: pid ${runningPid(state, s)}`);
      process.stdout.write(`   services ${pids.join(', ')}\n`);
    } else {
      process.stdout.write(
        pc.bold('== smoke ') + 'skipped: no service is running in the sandbox\n',
      );
    }
    signals.check();

    const ok = code === 0;
    if (ok && options.keepRunning) {
      process.stdout.write(
        `   still running on port ${port}; stop with: mcc stop --sandbox ${base}\n`,
      );
    }
    process.stdout.write(
      ok
        ? pc.green('try passed\n')
        : pc.red(`try failed: the deploy exited with ${code}; see the sandbox ${base}\n`),
    );
    return ok;
  } finally {
    rmSync(upload, { recursive: true, force: true });
  }
}

/** An error after the sandbox exists says where it is: a temporary one is kept to inspect. */
function naming(error: unknown, base: string): unknown {
  const known = error instanceof CommandError || error instanceof UsageError;
  if (!known && !(error as NodeJS.ErrnoException)?.code) return error;
  const message = (error as Error).message;
  if (message.includes(base)) return error;
  return new CommandError(`${message}; the sandbox ${base} keeps what was done`);
}
