/**
 * The `mcc add` commands, imported only when one runs: each reads the
 * pipeline, asks for what is missing when it can, and runs its generator.
 */
import {
  addCronGenerator,
  checkCronName,
  planCron,
  type AddCronFlags,
} from '../../generators/add-cron.js';
import { addDomainGenerator, planDomain } from '../../generators/add-domain.js';
import { addMigrationGenerator, planMigration } from '../../generators/add-migration.js';
import { addServiceGenerator, planService } from '../../generators/add-service.js';
import { addStageGenerator, planStage, type AddStageFlags } from '../../generators/add-stage.js';
import { interactive, runAdd, type AddOptions } from '../add.js';
import { CRON_JOBS, HANDLER_STAGES } from '../choices.js';
import { UsageError } from '../errors.js';

// directory: the repository, found by mcc.ts from -C.
type Flags<F> = F & AddOptions & { directory: string };

async function nameOrAsk(
  command: 'stage' | 'cron',
  name: string | undefined,
  options: AddOptions,
  choices: Record<string, string>,
): Promise<string> {
  if (name !== undefined) return name;
  const what = command === 'cron' ? 'cron job' : command;
  if (!interactive(options))
    throw new UsageError(
      `give the ${what} to add, e.g. mcc add ${command} ${Object.keys(choices)[0]}`,
    );
  const [{ default: input }, { default: select }] = await Promise.all([
    import('@inquirer/input'),
    import('@inquirer/select'),
  ]);
  const other = `another name`;
  const choice = await select({
    message: `Which ${what}?`,
    choices: [
      ...Object.entries(choices).map(([value, description]) => ({ value, description })),
      { value: other, description: `a ${what} of your own` },
    ],
  });
  return choice === other ? (await input({ message: `Name of the ${what}` })).trim() : choice;
}

export async function addStage(name: string | undefined, flags: Flags<AddStageFlags>) {
  const descriptions = Object.fromEntries(
    Object.entries(HANDLER_STAGES).map(([key, stage]) => [key, stage.description]),
  );
  const chosen = await nameOrAsk('stage', name, flags, descriptions);
  await runAdd(flags.directory, addStageGenerator, (p) => planStage(p, chosen, flags), flags);
}

export async function addCron(name: string | undefined, flags: Flags<AddCronFlags>) {
  const descriptions = Object.fromEntries(
    Object.entries(CRON_JOBS).map(([key, job]) => [key, job.description]),
  );
  const chosen = await nameOrAsk('cron', name, flags, descriptions);
  checkCronName(chosen, flags);
  let schedule = flags.schedule;
  if (schedule === undefined && !(chosen in CRON_JOBS) && interactive(flags)) {
    const { default: input } = await import('@inquirer/input');
    schedule = await input({
      message: 'Schedule (minute hour day month weekday)',
      default: '0 * * * *',
    });
  }
  await runAdd(
    flags.directory,
    addCronGenerator,
    (p) => planCron(p, chosen, { ...flags, schedule }),
    flags,
  );
}

export async function addMigration(name: string, flags: Flags<object>) {
  await runAdd(flags.directory, addMigrationGenerator, (p) => planMigration(p, name), flags);
}

export async function addService(unit: string, flags: Flags<{ stage?: string }>) {
  await runAdd(
    flags.directory,
    addServiceGenerator,
    (p) => planService(p, unit, flags.stage),
    flags,
  );
}

export async function addDomain(domain: string, flags: Flags<{ stage?: string }>) {
  await runAdd(
    flags.directory,
    addDomainGenerator,
    (p) => planDomain(p, domain, flags.stage),
    flags,
  );
}
