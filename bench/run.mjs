/**
 * npm run bench: the generator and the generated deploy, each measured side by
 * side with its baseline in the same run, so the ratios hold on any machine.
 * Prints a table and writes bench/results.json. Not a test: nothing here fails
 * on a slow number.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const ROOT = join(import.meta.dirname, '..');
const BENCH = import.meta.dirname;
const EXAMPLE = join(ROOT, 'examples', 'fastapi-app');
const BIN = {
  create: join(ROOT, 'bin', 'create-mcc-pipeline.js'),
  mcc: join(ROOT, 'bin', 'mcc.js'),
};
const ENV = { UV_NATIVE_TLS: '1', NO_COLOR: '1' };
const PYTHON_WITH_DEPS = [
  'uv',
  'run',
  '--no-project',
  '--with',
  'typer>=0.12',
  '--with',
  'pyyaml>=6',
  'python',
];

const START_UP_RUNS = 11;
const TENANTS = 200;
const MIGRATIONS = 25;
const APP_FILES = 5000;

const workspace = mkdtempSync(join(tmpdir(), 'mcc-bench-'));
// The commands keep their code cache here, so that every bench starts without one: the
// first run of each command writes it, the median is of runs that use it.
ENV.XDG_CACHE_HOME = join(workspace, 'cache');
const results = {};
const rows = [];
const notes = [];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const ms = (seconds) => `${(seconds * 1000).toFixed(0)} ms`;

async function wallSeconds(command, args, options = {}) {
  const start = process.hrtime.bigint();
  await execa(command, args, { stdin: 'ignore', env: ENV, ...options });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function python(args, options = {}) {
  const { stdout } = await execa(
    PYTHON_WITH_DEPS[0],
    [...PYTHON_WITH_DEPS.slice(1), ...args.map(String)],
    {
      env: ENV,
      ...options,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

function row(name, value, unit, goal, detail) {
  rows.push({ name, value, unit, goal, detail });
}

function exampleCopy(name) {
  const target = join(workspace, name);
  cpSync(EXAMPLE, target, {
    recursive: true,
    filter: (source) => !/(\.venv|__pycache__|\.pytest_cache|output)$/.test(source),
  });
  return target;
}

async function generate(name, flags) {
  const repo = exampleCopy(name);
  await execa('node', [BIN.create, '--yes', '--remote-host', 'app.example.com', ...flags], {
    cwd: repo,
    env: ENV,
    stdin: 'ignore',
  });
  return repo;
}

/** Median wall times of each command, the commands interleaved run by run. */
async function startUpMedians(commands) {
  const times = Object.fromEntries(Object.keys(commands).map((key) => [key, []]));
  for (let run = 0; run < START_UP_RUNS; run++) {
    for (const [key, command] of Object.entries(commands)) {
      const { args, cwd, env } = command(run);
      times[key].push(await wallSeconds('node', args, { cwd, env: { ...ENV, ...env } }));
    }
  }
  return Object.fromEntries(Object.entries(times).map(([key, list]) => [key, median(list)]));
}

async function measureStartUp() {
  const example = exampleCopy('dry-run');
  const commands = {
    node: () => ({ args: ['-e', '0'], cwd: ROOT }),
    help: () => ({ args: [BIN.mcc, '--help'], cwd: ROOT }),
    dryRun: () => ({
      args: [BIN.create, '--yes', '--dry-run', '--remote-host', 'app.example.com'],
      cwd: example,
    }),
  };
  // A working checkout has the environment uv made for it, whose Python the
  // compile check uses; without one it falls back to python3 from PATH.
  const bare = await generate('add-source', ['--cron', 'none']);
  const working = join(workspace, 'add-working');
  cpSync(bare, working, { recursive: true });
  await execa('uv', ['venv', '--quiet', '.venv'], { cwd: working, env: ENV });
  const copiesOf = (source, name) =>
    Array.from({ length: START_UP_RUNS }, (_, run) => {
      const copy = join(workspace, `${name}-${run}`);
      cpSync(source, copy, { recursive: true });
      return copy;
    });
  const copies = copiesOf(working, 'add');
  const coldCopies = copiesOf(working, 'add-cold');
  const bareCopies = copiesOf(bare, 'add-bare');
  commands.add = (run) => ({ args: [BIN.mcc, 'add', 'cron', 'backup', '--yes'], cwd: copies[run] });
  commands.addCold = (run) => ({
    args: [BIN.mcc, 'add', 'cron', 'backup', '--yes'],
    cwd: coldCopies[run],
    env: { XDG_CACHE_HOME: join(workspace, `cache-cold-${run}`) },
  });
  commands.addBare = (run) => ({
    args: [BIN.mcc, 'add', 'cron', 'backup', '--yes'],
    cwd: bareCopies[run],
  });

  const medians = await startUpMedians(commands);
  const detail = (key) => `${ms(medians[key])} vs node -e 0 ${ms(medians.node)}`;
  results.help_ratio = medians.help / medians.node;
  row('mcc --help', results.help_ratio, 'x node', '<= 1.5', detail('help'));
  results.init_dry_run_ratio = medians.dryRun / medians.node;
  row('create --yes --dry-run', results.init_dry_run_ratio, 'x node', '<= 2.5', detail('dryRun'));
  results.add_ratio = medians.add / medians.node;
  row('mcc add cron backup --yes', results.add_ratio, 'x node', '<= 2.0', detail('add'));
  results.add_first_run_ratio = medians.addCold / medians.node;
  row(
    '  its first run (no code cache)',
    results.add_first_run_ratio,
    'x node',
    '',
    `${detail('addCold')}; writes the cache`,
  );
  results.add_without_venv_ratio = medians.addBare / medians.node;
  row(
    '  in a checkout without .venv',
    results.add_without_venv_ratio,
    'x node',
    '',
    `${detail('addBare')}; python3 from PATH`,
  );
}

function writeMigrations(folder) {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (let n = 1; n <= MIGRATIONS; n++) {
    const id = String(n).padStart(4, '0');
    const table = `item_${id}`;
    writeFileSync(
      join(folder, `${id}_add_${table}.sql`),
      `-- Migration ${n} of the bench.\n` +
        `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created TEXT);\n` +
        `CREATE INDEX ${table}_name ON ${table} (name);\n` +
        `INSERT INTO ${table} (name, created) VALUES ('first', '2024-01-01');\n`,
    );
  }
}

async function ensureSqliteCli() {
  const found = await execa('sqlite3', ['-version'], { reject: false });
  if (found.exitCode === 0) return true;
  notes.push('the sqlite3 CLI was missing: installed it with apt-get for the baseline');
  const installed = await execa('apt-get', ['install', '-y', '-q', 'sqlite3'], { reject: false });
  return installed.exitCode === 0;
}

const domainsOf = (count) =>
  Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(4, '0')}.example.com`);

async function ourMigrations(output, domains) {
  const base = mkdtempSync(join(workspace, 'tenants-'));
  const start = process.hrtime.bigint();
  const { stdout } = await execa('python3', [
    join(BENCH, 'driver.py'),
    'migrate',
    output,
    base,
    ...domains,
  ]);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const result = JSON.parse(stdout);
  if (result.applied !== domains.length * MIGRATIONS) {
    throw new Error(
      `applied ${result.applied} migrations, expected ${domains.length * MIGRATIONS}`,
    );
  }
  rmSync(base, { recursive: true, force: true });
  return { wall, seconds: result.seconds };
}

async function measureMigrations(project) {
  const migrations = join(project, 'mcc', 'migrations');
  writeMigrations(migrations);
  const domains = domainsOf(TENANTS);
  const ours = median([
    (await ourMigrations(project, domains)).wall,
    (await ourMigrations(project, domains)).wall,
    (await ourMigrations(project, domains)).wall,
  ]);
  results.migrations_seconds = ours;

  if (await ensureSqliteCli()) {
    const { stdout: databaseFile } = await execa(
      'python3',
      ['-c', 'import mcc_db; print(mcc_db.DATABASE_FILE)'],
      { cwd: project },
    );
    const base = mkdtempSync(join(workspace, 'usual-'));
    const script = join(BENCH, 'migrate_usual.sh');
    const usual = await wallSeconds('bash', [script, base, databaseFile, migrations, ...domains]);
    const { stdout: count } = await execa('sqlite3', [
      join(base, 'domains', domains.at(-1), databaseFile),
      'SELECT count(*) FROM mcc_migrations',
    ]);
    if (Number(count) !== MIGRATIONS) throw new Error(`the usual way recorded ${count} migrations`);
    results.migrations_ratio = usual / ours;
    row(
      `migrations ${TENANTS} tenants x ${MIGRATIONS}`,
      results.migrations_ratio,
      'x faster',
      '>= 30',
      `${ours.toFixed(2)} s vs one sqlite3 per statement ${usual.toFixed(1)} s`,
    );
  } else {
    notes.push('migrations_ratio skipped: no sqlite3 CLI and apt-get could not install it');
  }
  row(
    'migrations_seconds',
    ours,
    's',
    '',
    `${TENANTS * MIGRATIONS} migrations, python start included`,
  );

  const growth = {};
  for (const count of [10, 100, 1000]) {
    growth[count] = (await ourMigrations(project, domainsOf(count))).seconds;
    row(
      `  migrations, ${count} tenants`,
      growth[count],
      's',
      '',
      `${((growth[count] / count) * 1000).toFixed(1)} ms per tenant`,
    );
  }
  results.migrations_growth = growth[1000] / growth[100];
  row(
    'migrations_growth',
    results.migrations_growth,
    'x',
    '~10 (linear)',
    'time(1000) / time(100)',
  );
}

/** The output folder a build would upload, with an app of APP_FILES files. */
function prepareOutput(project) {
  const output = join(workspace, 'output');
  mkdirSync(output);
  for (const name of readdirSync(project)) {
    if (/^(mcc_.*\.py|config\.yml|pyproject\.toml|uv\.lock|mcc)$/.test(name)) {
      cpSync(join(project, name), join(output, name), { recursive: true });
    }
  }
  writeFileSync(join(output, 'build_info.yml'), 'build_number: 1\nbranch: main\n');
  const perPackage = 100;
  for (let p = 0; p < APP_FILES / perPackage; p++) {
    const folder = join(output, 'app', `package_${p}`);
    mkdirSync(folder, { recursive: true });
    for (let m = 0; m < perPackage; m++) {
      writeFileSync(join(folder, `module_${m}.py`), `VALUE = ${m}\n`.repeat(20 + (m % 80)));
    }
  }
  return output;
}

async function measureReleaseCopy(output) {
  const rounds = 8;
  const keep = 3;
  const base = mkdtempSync(join(workspace, 'releases-'));
  const ours = [];
  const copies = [];
  let first = 0;
  // Interleaved, each after a sync, so that neither side pays for the other's writeback.
  for (let round = 0; round < rounds; round++) {
    await execa('sync');
    const { seconds } = await python([join(BENCH, 'driver.py'), 'release', output, base, 1, keep]);
    // From round keep + 2 on, each round also removes one old release: the steady state.
    if (round > keep) ours.push(seconds[0]);
    if (round === 0) first = seconds[0];
    await execa('sync');
    const target = join(workspace, 'cp-a');
    copies.push(await wallSeconds('cp', ['-a', output, target]));
    rmSync(target, { recursive: true, force: true });
  }
  const cp = median(copies);
  results.copy_ratio = median(ours) / cp;
  row(
    `release of ${APP_FILES} files`,
    results.copy_ratio,
    'x cp -a',
    '<= 1.5',
    `copy + switch + cleanup ${ms(median(ours))} vs cp -a ${ms(cp)}`,
  );
  results.first_copy_ratio = first / cp;
  row(
    '  first release, nothing shared',
    results.first_copy_ratio,
    'x cp -a',
    '',
    `every file copied: ${ms(first)}`,
  );

  const counts = [10, 100, 1000];
  const cleanup = {};
  for (const count of counts) {
    const folder = mkdtempSync(join(workspace, 'cleanup-'));
    const result = await python([join(BENCH, 'driver.py'), 'cleanup', output, folder, count, 5]);
    cleanup[count] = result.seconds;
    row(
      `  cleanup, ${count} releases`,
      result.seconds,
      's',
      '',
      `${((result.seconds / Math.max(count - 5, 1)) * 1000).toFixed(2)} ms per release removed`,
    );
  }
  row(
    'cleanup growth',
    cleanup[1000] / cleanup[100],
    'x',
    '~10 (linear)',
    'time(1000) / time(100)',
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function measureHealthWait(output) {
  const port = await freePort();
  const pidfile = join(workspace, 'app.pid');
  const restart = ['python3', join(BENCH, 'restart_app.py'), pidfile, String(port), '{service}'];
  const base = mkdtempSync(join(workspace, 'health-'));
  const url = `http://127.0.0.1:${port}/health`;
  try {
    const { seconds } = await python([
      join(BENCH, 'driver.py'),
      'health',
      output,
      base,
      5,
      url,
      ...restart,
    ]);
    results.restart_to_healthy_seconds = median(seconds);
  } finally {
    try {
      process.kill(Number(readFileSync(pidfile, 'utf8')));
    } catch {
      // The app never started, or is already gone.
    }
  }
  row(
    'restart to healthy',
    results.restart_to_healthy_seconds,
    's',
    '< 1',
    'app ready 0.3 s after start, fixed sleep 5 s',
  );
}

function printTable() {
  const format = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(2));
  const widths = [34, 9, 9, 13];
  const line = (cells) =>
    cells
      .map((cell, i) => String(cell).padEnd(widths[i] ?? 0))
      .join(' ')
      .trimEnd();
  console.log(line(['measure', 'value', 'unit', 'goal', 'detail']));
  console.log(line(['-'.repeat(33), '-'.repeat(8), '-'.repeat(8), '-'.repeat(12), '-'.repeat(40)]));
  for (const r of rows) console.log(line([r.name, format(r.value), r.unit, r.goal, r.detail]));
  for (const note of notes) console.log(`note: ${note}`);
}

try {
  await measureStartUp();
  const project = await generate('multi', [
    '--tenancy',
    'multi',
    '--domains',
    domainsOf(TENANTS).join(','),
    '--database',
    'sqlite',
    '--cron',
    'none',
  ]);
  await measureMigrations(project);
  const output = prepareOutput(project);
  await measureReleaseCopy(output);
  await measureHealthWait(output);
  printTable();
  writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
