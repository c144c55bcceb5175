/**
 * The first generator: the whole pipeline of a repository from its answers.
 * Files for options the user did not choose are simply not in the list.
 */
import {
  ANSWERS_FILE,
  databaseName,
  knownCronJobs,
  serializeAnswers,
  type Answers,
} from '../src/answers.js';
import {
  contentAction,
  editAction,
  renderAction,
  type Generator,
  type RenderAction,
} from '../src/engine.js';

export interface InitInput extends Answers {
  /** The schema the first migration adopts, when the repository has one. */
  schema: { source: string; sql: string } | null;
  /** The repository's .gitignore as it is, or null when it has none. */
  gitignore: string | null;
  /** The folder of alembic revisions that alembic.ini names; alembic's default when absent. */
  alembicScripts?: string;
}

/** The alembic folder the build must copy, or null: none, or inside a back-end folder. */
export function alembicFolder(input: InitInput): string | null {
  if (input.database === 'none' || input.migrations !== 'alembic') return null;
  const folder = input.alembicScripts ?? 'alembic';
  const shipped = input.backend.some((backend) => `${folder}/`.startsWith(`${backend}/`));
  return shipped ? null : folder;
}

/** .gitignore with the build's output folder in it, or null when it already is. */
export function ignoreOutput(gitignore: string | null): string | null {
  if (gitignore !== null && /^\/?output\/?\s*$/m.test(gitignore)) return null;
  const before = gitignore === null || gitignore === '' || gitignore.endsWith('\n') ? '' : '\n';
  return `${gitignore ?? ''}${before}output/\n`;
}

/** The stage whose domains are the public sites; the others share its domains' databases only. */
const PUBLIC_STAGE = 'prod';

/** The line above a conf's SMOKE_URLS, for prod and for any other stage. */
export const SMOKE_NOTES = {
  public: '{domain} stands for each domain in turn.',
  own: "Add this stage's public URLs; the one below is its API, on the server.",
};

/**
 * What a stage's conf smoke-tests until its owner says otherwise: prod its public sites, any
 * other stage its own API on the server, so a dev deploy never checks the production sites.
 * The URLs come as the YAML flow list the conf holds.
 */
export function smokeDefaults(stage: string, apiPort: number, healthPath: string) {
  const urls =
    stage === PUBLIC_STAGE
      ? ['https://{domain}/', `https://{domain}${healthPath}`]
      : [`http://127.0.0.1:${apiPort}${healthPath}`];
  return {
    note: stage === PUBLIC_STAGE ? SMOKE_NOTES.public : SMOKE_NOTES.own,
    urls: `[${urls.map((url) => JSON.stringify(url)).join(', ')}]`,
  };
}

export function cronModule(name: string): string {
  return name.replace(/-/g, '_');
}

export function deployFiles(answers: Answers): string[] {
  return [
    'mcc_deploy.py',
    'mcc_common.py',
    ...(answers.database === 'none' ? [] : ['mcc_db.py']),
    'config.yml',
    'pyproject.toml',
    'uv.lock',
    ...(answers.migrations === 'alembic' && answers.database !== 'none' ? ['alembic.ini'] : []),
  ];
}

export function templateContext(input: InitInput) {
  const database = input.database === 'none' ? null : input.database;
  const scripts = alembicFolder(input);
  const frontend = input.frontend && {
    folder: input.frontend.folder,
    install: ['npm', 'ci'],
    build: input.frontend.build,
    dist: input.frontend.dist,
  };
  return {
    project: input.project,
    backend: input.backend,
    testCommand: input.testCommand.length > 0 ? input.testCommand : null,
    frontend,
    multiTenant: input.tenancy === 'multi',
    domains: input.domains,
    database,
    alembic: database !== null && input.migrations === 'alembic',
    alembicFolder: scripts,
    databaseFile: `${input.project.replace(/[^A-Za-z0-9]+/g, '_')}.db`,
    databaseName: databaseName(input.project),
    services: input.services,
    singleService: input.services.length === 1,
    cron: input.cron.length > 0 || input.stages.some((stage) => stage.cronJobs?.length),
    keepBuilds: input.keepBuilds,
    apiPort: input.apiPort,
    healthPath: input.healthPath,
    deployFiles: deployFiles(input),
    releaseFiles: [
      'pyproject.toml',
      'uv.lock',
      'build_info.yml',
      ...(database ? ['mcc_db.py'] : []),
      ...(database && input.migrations === 'alembic' ? ['alembic.ini'] : []),
      ...(scripts ? [scripts] : []),
    ],
    links: { 'current-api': 'api', ...(frontend ? { 'current-ui': 'ui' } : {}) },
    stages: input.stages.map((stage) => ({ ...stage, conf: `conf-${stage.name}.yml` })),
    handlers: (input.handlers ?? []).map((handler) => ({ sourceConf: null, ...handler })),
    /** Per stage: its own lists where it has them, the project's otherwise. */
    stageLists: (stage: Answers['stages'][number]) => ({
      domains: stage.domains ?? input.domains,
      services: stage.services ?? input.services,
      singleService: (stage.services ?? input.services).length === 1,
      cronJobs: stage.cronJobs ?? knownCronJobs(input),
      smoke: smokeDefaults(stage.name, input.apiPort, input.healthPath),
    }),
    schema: input.schema?.sql.trimEnd() ?? null,
    schemaSource: input.schema?.source ?? null,
  };
}

function actions(input: InitInput): RenderAction[] {
  const context = templateContext(input);
  const list = [
    renderAction('mcc_build.py', 'init/mcc_build.py.hbs', context),
    renderAction('mcc_deploy.py', 'init/mcc_deploy.py.hbs', context),
    renderAction('mcc_common.py', 'init/mcc_common.py.hbs', context),
    renderAction('config.yml', 'init/config.yml.hbs', context),
    ...input.stages.map((stage) =>
      renderAction(`mcc/conf-${stage.name}.yml`, 'init/mcc/conf.yml.hbs', {
        ...context,
        ...context.stageLists(stage),
        stage,
      }),
    ),
  ];
  if (context.database) {
    list.push(renderAction('mcc_db.py', `init/mcc_db.${context.database}.py.hbs`, context));
  }
  // Without a schema to adopt there is no first migration: a file of comments only would be
  // refused by the deploy.
  if (context.database && !context.alembic && context.schema !== null) {
    list.push(
      renderAction(
        'mcc/migrations/0001_initial.sql',
        'init/mcc/migrations/initial.sql.hbs',
        context,
      ),
    );
  }
  for (const name of input.cron) {
    const module = cronModule(name);
    list.push(renderAction(`mcc/cron/${module}.py`, `init/mcc/cron/${module}.py.hbs`, context));
  }
  const gitignore = ignoreOutput(input.gitignore);
  if (gitignore !== null) list.push(editAction('.gitignore', gitignore));
  const { schema: _schema, gitignore: _gitignore, alembicScripts: _alembic, ...answers } = input;
  list.push(contentAction(ANSWERS_FILE, serializeAnswers(answers)));
  return list;
}

export const initGenerator: Generator<InitInput> = {
  description: 'Write the build and deploy pipeline into a Python web application',
  actions,
};
