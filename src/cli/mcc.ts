/** The mcc command line: rehearse, grow and check a generated pipeline. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';

import { CRON_JOBS, HANDLER_STAGES } from '../choices.js';
import { startPythonCheck, stopPythonCheck } from '../compile.js';
import { exitWith, UsageError } from '../errors.js';
import { announcedRoot } from '../root.js';
import { version } from '../version.js';
import {
  exitQuietlyOnClosedOutput,
  ONE_LINE_ERRORS,
  refuseRepeatedFlags,
  usageExit,
} from './exit.js';

export function mccProgram(): Command {
  const program = new Command('mcc')
    .exitOverride(usageExit)
    .configureOutput(ONE_LINE_ERRORS)
    .description('Rehearse, grow and check the MCC pipeline of this repository.')
    .version(version(), '-v, --version')
    .addHelpText('after', '\nExamples:\n  $ mcc try --stage dev\n  $ mcc check\n');

  program
    .command('try')
    .description(
      'Build with mcc_build.py, then deploy the output with mcc_deploy.py into a local ' +
        'sandbox folder, serving the app on a loopback port, and smoke-test it.',
    )
    .requiredOption('--stage <name>', 'the stage whose conf to deploy with')
    .option('--sandbox <dir>', 'the deployment folder to use (default: a new temporary one)')
    .option('--port <port>', 'loopback port for the app (default: a free one)')
    .option('--keep-running', 'leave the app running after the smoke test', false)
    .option('--skip-build', 'deploy the existing output/ folder without building', false)
    .option(
      '--source-sandbox <dir>',
      'for a stage with a source_conf (clone-prod-to-dev): the sandbox the source was tried in',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ mcc try --stage dev\n  $ mcc try --stage prod --sandbox /tmp/rehearsal\n' +
        '  $ mcc try --stage clone-prod-to-dev --sandbox /tmp/dev --source-sandbox /tmp/prod\n',
    )
    .action(async (options) => {
      const { tryDeploy } = await import('../try/index.js');
      process.exitCode = await tryDeploy(announcedRoot(process.cwd()), options);
    });

  addCommands(program);

  program
    .command('stop')
    .description('Stop the apps a kept-running `mcc try` left in a sandbox.')
    .requiredOption('--sandbox <dir>', 'the sandbox folder')
    .addHelpText('after', '\nExample:\n  $ mcc stop --sandbox /tmp/rehearsal\n')
    .action(async (options) => {
      const { stopSandbox } = await import('../try/supervisor.js');
      await stopSandbox(options.sandbox);
    });

  program
    .command('check')
    .description(
      'Check config.yml and every mcc/conf-*.yml against what the deploy expects, and that ' +
        'the build copies every file the deploy reads. Exits 1 when there is a problem.',
    )
    .argument('[directory]', 'the repository, or a folder in it', '.')
    .addHelpText('after', '\nExamples:\n  $ mcc check\n  $ mcc check path/to/repo\n')
    .action(async (directory: string) => {
      const { runCheck } = await import('../check.js');
      process.exitCode = await runCheck(directory);
    });

  program
    .command('supervise', { hidden: true })
    .argument('<action>', 'restart')
    .argument('<state>', 'the sandbox state folder')
    .argument('<service>', 'the service to restart')
    .action(async (action: string, state: string, service: string) => {
      const { supervise } = await import('../try/supervisor.js');
      await supervise(action, state, service);
    });

  return refuseRepeatedFlags(program);
}

type AddAction = 'addStage' | 'addCron' | 'addMigration' | 'addService' | 'addDomain';

/** --yes, --dry-run, -C and an example on every add command. */
function addCommand(parent: Command, spec: string, description: string, example: string) {
  return parent
    .command(spec)
    .description(description)
    .option('-y, --yes', 'ask nothing: take the defaults', false)
    .option('--dry-run', 'print what would be written, as a diff, and write nothing', false)
    .option('-C, --directory <dir>', 'the repository, or a folder in it', '.')
    .addHelpText('after', `\nExamples:\n${example}`);
}

function runs(action: AddAction) {
  return async (name: string | undefined, options: Record<string, unknown>) => {
    const directory = String(options.directory);
    const start = resolve(directory);
    if (!existsSync(start) || !statSync(start).isDirectory()) {
      throw new UsageError(`-C ${JSON.stringify(directory)}: expected a folder`);
    }
    // Said first: at a terminal, questions come before the add itself.
    const root = announcedRoot(start);
    if (!options.dryRun) startPythonCheck(root);
    const commands = await import('./add.js');
    const run = commands[action] as (n: string | undefined, o: unknown) => Promise<void>;
    await run(name, { ...options, directory: root });
  };
}

function addCommands(program: Command): void {
  const add = program
    .command('add')
    .description(
      'Grow the pipeline: new files and new YAML entries, nothing you edited rewritten.',
    );

  const stages = Object.keys(HANDLER_STAGES).join(', ');
  addCommand(
    add,
    'stage [name]',
    `Add a stage. Known stages run a handler (${stages}); any other name is a new ` +
      'deployment stage with its own conf.',
    '  $ mcc add stage db-backup --stage prod\n' +
      '  $ mcc add stage clone-prod-to-dev --source prod --stage dev\n' +
      '  $ mcc add stage staging --from dev --remote-host staging.example.com\n',
  )
    .option('--stage <name>', 'handler: the stage whose conf it works on (the target of a clone)')
    .option('--source <name>', 'clone-prod-to-dev: the stage to copy from (default: prod)')
    .option('--from <name>', 'deployment stage: the stage whose conf to start from')
    .option('--remote-host <host>', 'deployment stage: its server')
    .option('--remote-base <dir>', 'deployment stage: its deployment folder')
    .option('--allow-branches <regex>', 'deployment stage: branches allowed to run it')
    .option('--auto-branches <regex>', 'deployment stage: branches that start it, - for never')
    .option('--deployment', 'take a name close to a known stage as a deployment stage', false)
    .action(runs('addStage'));

  addCommand(
    add,
    'cron [name]',
    `Add a cron job (${Object.keys(CRON_JOBS).join(', ')} or a name of your own): its ` +
      'script and its conf entry; the next deploy installs it.',
    '  $ mcc add cron backup\n  $ mcc add cron reindex --schedule "0 2 * * *" --stage prod\n',
  )
    .option('--schedule <cron>', "five cron fields (default: the known job's)")
    .option('--stage <names>', 'comma list of stages (default: every deployment stage)')
    .option('--custom', 'take a name close to a known job as a job of your own', false)
    .action(runs('addCron'));

  addCommand(
    add,
    'migration <name>',
    'Add the next numbered SQL migration in mcc/migrations/; in a project that migrates ' +
      'with alembic, a new alembic revision (alembic revision -m <name>).',
    '  $ mcc add migration add_note_tags\n',
  ).action(runs('addMigration'));

  addCommand(
    add,
    'service <unit>',
    'Add a systemd unit the deploy restarts after the others.',
    '  $ mcc add service notes-worker\n',
  )
    .option('--stage <names>', 'comma list of stages (default: every deployment stage)')
    .action(runs('addService'));

  addCommand(
    add,
    'domain <domain>',
    'Add a tenant domain: the next deploy creates and migrates its database.',
    '  $ mcc add domain shop.example.com --stage prod\n',
  )
    .option('--stage <names>', 'comma list of stages (default: every deployment stage)')
    .action(runs('addDomain'));
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedOutput();
  try {
    await mccProgram().parseAsync(argv);
  } catch (error) {
    exitWith(error);
  } finally {
    stopPythonCheck();
  }
}
