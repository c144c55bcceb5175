/** The mcc command line: rehearse, grow and check a generated pipeline. */
import { Command } from 'commander';

import { exitWith } from '../errors.js';
import { version } from '../version.js';
import { usageExit } from './exit.js';

export function mccProgram(): Command {
  const program = new Command('mcc')
    .exitOverride(usageExit)
    .description('Rehearse, grow and check the MCC pipeline of this repository.')
    .version(version(), '-v, --version');

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
    .addHelpText(
      'after',
      '\nExamples:\n  $ mcc try --stage dev\n  $ mcc try --stage prod --sandbox /tmp/rehearsal\n',
    )
    .action(async (options) => {
      const { tryDeploy } = await import('../try/index.js');
      process.exitCode = await tryDeploy(process.cwd(), options);
    });

  program
    .command('stop')
    .description('Stop the apps a kept-running `mcc try` left in a sandbox.')
    .requiredOption('--sandbox <dir>', 'the sandbox folder')
    .action(async (options) => {
      const { stopSandbox } = await import('../try/supervisor.js');
      await stopSandbox(options.sandbox);
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

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await mccProgram().parseAsync(argv);
  } catch (error) {
    exitWith(error);
  }
}
