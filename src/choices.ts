/**
 * What the generator knows: databases, front ends, cron jobs and stages.
 * The prompts, the validators and the templates all read these tables, so
 * supporting one more is one entry here (and its template, where it has one).
 */

export const TENANCIES = {
  single: 'one database for the whole application',
  multi: 'one database per customer domain',
} as const;

export const DATABASES = {
  sqlite: 'SQLite files on the server',
  postgres: 'PostgreSQL, connection from the server environment',
  none: 'no database',
} as const;

export const MIGRATION_TOOLS = {
  sql: 'numbered SQL files in mcc/migrations/',
  alembic: 'alembic revisions (alembic upgrade head)',
} as const;

export interface FrontendKind {
  description: string;
  folder: string;
  install: string[];
  build: string[];
  dist: (folder: string, project: string) => string;
}

export const FRONTENDS: Record<'angular' | 'npm', FrontendKind> = {
  angular: {
    description: 'Angular, built with ng build',
    folder: 'frontend',
    install: ['npm', 'ci'],
    build: ['npx', 'ng', 'build', '--configuration', 'production'],
    dist: (folder, project) => `${folder}/dist/${project}/browser`,
  },
  npm: {
    description: 'any front end built with npm run build',
    folder: 'frontend',
    install: ['npm', 'ci'],
    build: ['npm', 'run', 'build'],
    dist: (folder) => `${folder}/dist`,
  },
};

export interface CronJob {
  description: string;
  schedule: string;
  /** Only meaningful with a database. */
  needsDatabase: boolean;
}

export const CRON_JOBS: Record<string, CronJob> = {
  backup: {
    description: 'back up every database daily, weekly on Sundays, with retention',
    schedule: '15 3 * * *',
    needsDatabase: true,
  },
  'health-check': {
    description: 'check the health URLs every five minutes and log failures',
    schedule: '*/5 * * * *',
    needsDatabase: false,
  },
  cleanup: {
    description: 'remove log files older than 30 days',
    schedule: '30 4 * * 0',
    needsDatabase: false,
  },
};

export interface StageDefaults {
  allowBranches: string;
  autoBranches: string;
}

/** Branch rules of the deployment stages people usually have. */
export const DEPLOY_STAGES: Record<string, StageDefaults> = {
  prod: { allowBranches: '^main$', autoBranches: '-' },
  dev: { allowBranches: '.*', autoBranches: '^dev$' },
  staging: { allowBranches: '^(main|release/.*)$', autoBranches: '^main$' },
};

export const OTHER_STAGE: StageDefaults = { allowBranches: '.*', autoBranches: '-' };

export const DEFAULT_HEALTH_PATH = '/api/health';

export interface HandlerStage {
  description: string;
  needsDatabase: boolean;
  /** The deployment stage whose conf it works on, unless --stage says otherwise. */
  defaultStage: string;
  /** A stage whose conf the handler refuses to work on. */
  refusesStage?: string;
}

/**
 * Stages that run a handler in mcc/stages/ instead of deploying. They are
 * never started automatically.
 */
export const HANDLER_STAGES: Record<string, HandlerStage> = {
  'clone-prod-to-dev': {
    description: "copy prod's databases into dev's, through a consistent backup",
    needsDatabase: true,
    defaultStage: 'dev',
    refusesStage: 'prod',
  },
  'db-backup': {
    description: 'back up every database, with daily and weekly retention',
    needsDatabase: true,
    defaultStage: 'prod',
  },
  'db-restore': {
    description: 'restore the newest or a named backup, after backing up the current state',
    needsDatabase: true,
    defaultStage: 'prod',
  },
  'reset-dev': {
    description: "wipe dev's data and deploy it fresh",
    needsDatabase: true,
    defaultStage: 'dev',
    refusesStage: 'prod',
  },
  'maintenance-on': {
    description: 'set the maintenance flag file that the app and nginx check',
    needsDatabase: false,
    defaultStage: 'prod',
  },
  'maintenance-off': {
    description: 'clear the maintenance flag file',
    needsDatabase: false,
    defaultStage: 'prod',
  },
};

/** The source stage clone-prod-to-dev copies from, unless --source says otherwise. */
export const CLONE_SOURCE = 'prod';
