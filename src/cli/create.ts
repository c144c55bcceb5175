/** The create-mcc-pipeline command line: flags come from the questions table. */
import { resolve } from 'node:path';
import { Command } from 'commander';

import { startPythonCheck, stopPythonCheck } from '../compile.js';
import { exitWith } from '../errors.js';
import {
  exitQuietlyOnClosedOutput,
  ONE_LINE_ERRORS,
  refuseRepeatedFlags,
  usageExit,
} from './exit.js';
import { version } from '../version.js';
import { QUESTIONS, flagOf } from '../questions.js';

export function createProgram(): Command {
  const program = new Command('create-mcc-pipeline')
    .exitOverride(usageExit)
    .configureOutput(ONE_LINE_ERRORS)
    .description(
      'Write mcc_build.py, mcc_deploy.py, config.yml and mcc/ into a Python web ' +
        'application. Asks what it cannot detect; every question is also a flag.',
    )
    .version(version(), '-v, --version')
    .argument('[directory]', 'the repository root', '.')
    .option('-y, --yes', 'take the default for every question not given as a flag', false)
    .option('--dry-run', 'print what would be written, as a diff, and write nothing', false)
    .option('--force', 'overwrite files that differ from what would be written', false)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ npx create-mcc-pipeline\n' +
        '  $ npx create-mcc-pipeline --yes --remote-host app.example.com\n' +
        '  $ npx create-mcc-pipeline --yes --remote-host app.example.com --tenancy multi \\\n' +
        '      --domains a.example.com,b.example.com --services api,worker --cron backup\n',
    );
  for (const question of QUESTIONS) {
    const names = Object.keys(question.choices ?? {});
    const choices =
      names.length === 0
        ? ''
        : question.list
          ? ` (a comma list of ${names.join(', ')}, or none)`
          : ` (${names.join('|')})`;
    program.option(`${flagOf(question.key)} <value>`, `${question.message}${choices}`);
  }
  refuseRepeatedFlags(program);
  return program.action(async (directory: string, options: Record<string, string | boolean>) => {
    const { yes, dryRun, force, ...rest } = options;
    const flags = Object.fromEntries(
      Object.entries(rest).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    if (!dryRun) startPythonCheck(resolve(directory));
    const { create } = await import('../create.js');
    await create(directory, flags, { yes: !!yes, dryRun: !!dryRun, force: !!force });
  });
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedOutput();
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    exitWith(error);
  } finally {
    stopPythonCheck();
  }
}
