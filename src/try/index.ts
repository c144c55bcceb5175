/**
 * mcc try: the pipeline rehearsed on this machine. It runs the real
 * mcc_build.py, copies output/ away as the pipeline uploads it, points the
 * copy's conf at a sandbox folder and at the supervisor, and runs the real
 * mcc_deploy.py from there.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import pc from '../colours.js';
import { parse, parseDocument } from 'yaml';

import { databaseName, readAnswers, type Answers } from '../answers.js';
import { CommandError, UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { READ_OPTIONS, readYamlData } from '../yaml-read.js';
import * as v from '../validate.js';
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
  const document = parseDocument(readFileSync(path, 'utf8'));
  document.set('REMOTE_BASE', base);
  const envFile = join(base, STATE_FOLDER, ENV_FILE);
  if (existsSync(envFile)) document.set('ENV_FILE', envFile);
  writeFileSync(path, document.toString());
}

/** The sandbox must be outside the repository, and empty or an earlier sandbox. */
function checkSandbox(root: string, sandbox: string): void {
  const quoted = `--sandbox ${JSON.stringify(sandbox)}`;
  const path = existsSync(sandbox) ? realpathSync(sandbox) : resolve(sandbox);
  const inside = relative(realpathSync(root), path);
  if (inside !== '..' && !inside.startsWith('../') && !isAbsolute(inside)) {
    throw new UsageError(`${quoted}: expected a folder outside the repository`);
  }
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw new UsageError(`${quoted}: expected a folder`);
  if (readdirSync(path).length > 0 && !existsSync(join(path, STATE_FOLDER))) {
    throw new UsageError(`${quoted}: expected an empty folder or an earlier sandbox of mcc try`);
  }
}

/** A service beyond the first runs `python -m <backend>.<last word of its name>`. */
function serviceSpecs(
  root: string,
  answers: Answers,
  base: string,
  port: number,
): Record<string, ServiceSpec> {
  const [api, ...others] = answers.services;
  const logs = join(base, 'logs');
  const env: Record<string, string> = { MCC_REMOTE_BASE: base };
  if (answers.database === 'sqlite' && answers.tenancy === 'single') {
    env.DATABASE_PATH = join(base, 'data', `${answers.project.replace(/[^A-Za-z0-9]+/g, '_')}.db`);
  }
  const python = '.venv/bin/python';
  const specs: Record<string, ServiceSpec> = {
    [api!]: {
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
  for (const service of others) {
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
    const module = `${folder.replace(/^src\//, '').replace(/\//g, '.')}.${word}`;
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
  if (/[\r\n]/.test(url)) throw new UsageError('DATABASE_URL must be one line');
  const sandboxUrl = sandboxDatabaseUrl(url, stage, answers.project);
  writeFileSync(path, `DATABASE_URL=${sandboxUrl}\n`, { mode: 0o600 });
  return path;
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
  const document = parseDocument(readFileSync(path, 'utf8'));
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

export async function tryDeploy(root: string, options: TryOptions): Promise<number> {
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

  const base = options.sandbox
    ? resolve(options.sandbox)
    : mkdtempSync(join(tmpdir(), 'mcc-sandbox-'));
  const state = join(base, STATE_FOLDER);
  mkdirSync(join(base, 'logs'), { recursive: true });
  mkdirSync(state, { recursive: true });
  holdSandbox(state, base);
  const previous = existsSync(join(state, 'state.json'))
    ? (JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as SupervisorState)
    : null;
  const port = Number(options.port ?? previous?.port ?? (await freePort()));
  const ours = previous !== null && runningPid(state, Object.keys(previous.services)[0]!) !== null;
  if (!ours && (await portTaken(port))) {
    throw new UsageError(
      `--port ${JSON.stringify(String(port))}: another program listens on 127.0.0.1:${port}; ` +
        'pick a free port, or leave --port out',
    );
  }
  const supervisor: SupervisorState = {
    base,
    port,
    services: serviceSpecs(root, answers, base, port),
  };

  if (!options.skipBuild) {
    process.stdout.write(pc.bold('== build: uv run mcc_build.py --link-mode=copy\n'));
    const build = await execa('uv', ['run', 'mcc_build.py', '--link-mode=copy'], {
      cwd: root,
      stdio: 'inherit',
      reject: false,
    });
    if (build.exitCode !== 0) {
      process.stderr.write(
        `error: the build failed (exit code ${build.exitCode}); nothing was deployed\n`,
      );
      return 1;
    }
  }
  if (!existsSync(join(root, 'output', 'mcc_deploy.py'))) {
    throw new CommandError('output/ holds no mcc_deploy.py: run without --skip-build');
  }

  const upload = mkdtempSync(join(tmpdir(), 'mcc-upload-'));
  const interrupted = (signal: NodeJS.Signals) => {
    rmSync(upload, { recursive: true, force: true });
    process.stderr.write(
      `mcc try: stopped by ${signal}; the sandbox ${base} keeps what was done\n`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    cpSync(join(root, 'output'), upload, { recursive: true, verbatimSymlinks: true });
    const confFile = join(upload, 'mcc', conf);
    const envFile = writeEnvFile(state, answers, confStage(confFile, options.stage));
    pointConfAtSandbox(confFile, base, state, answers, port, envFile);
    if (options.sourceSandbox !== undefined) {
      const source = join(upload, 'mcc', String(parameters.source_conf));
      pointSourceAtSandbox(source, resolve(options.sourceSandbox));
    }
    writeState(state, supervisor);

    process.stdout.write(
      pc.bold(`== deploy: uv run mcc_deploy.py --stage ${options.stage}  (sandbox ${base})\n`),
    );
    // With an env file the deploy must find its connection there, as on a server.
    const { DATABASE_URL: _url, ...withoutUrl } = process.env;
    const deploy = await execa('uv', ['run', 'mcc_deploy.py', '--stage', options.stage], {
      cwd: upload,
      env: envFile ? withoutUrl : process.env,
      extendEnv: false,
      stdio: 'inherit',
      reject: false,
    });

    process.stdout.write(pc.bold(`== sandbox ${base}\n`) + layout(base) + '\n');
    const running = Object.keys(supervisor.services).filter((s) => runningPid(state, s) !== null);
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

    if (options.keepRunning) {
      process.stdout.write(
        `   still running on port ${port}; stop with: mcc stop --sandbox ${base}\n`,
      );
    } else {
      await stopAll(state);
    }
    const ok = deploy.exitCode === 0;
    process.stdout.write(
      ok
        ? pc.green('try passed\n')
        : pc.red(`try failed: the deploy exited with ${deploy.exitCode}\n`),
    );
    return ok ? 0 : 1;
  } finally {
    rmSync(upload, { recursive: true, force: true });
  }
}
