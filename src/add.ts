/**
 * mcc add: read the pipeline, let one generator decide what is new, write it
 * as one unit, and say what the next deploy will do with it. An add writes new
 * files and adds entries to YAML data; it never rewrites what is there.
 */

import { applyPlan } from './apply.js';
import pc from './colours.js';
import { editAction, planFiles, type Generator, type RenderAction } from './engine.js';
import { CommandError } from './errors.js';
import { ANSWERS_FILE, serializeAnswers, type Answers } from './answers.js';
import { withRepositoryLock } from './lock.js';
import { loadPipeline, readText, type Pipeline, type StageEntry } from './pipeline.js';

export interface AddOptions {
  yes: boolean;
  dryRun: boolean;
}

export interface AddPlan {
  /** What is being added, e.g. "cron job backup". */
  what: string;
  actions: RenderAction[];
  /** The parts that exist already, e.g. "mcc/cron/backup.py". */
  already: string[];
  /** What the user should know or do next. */
  notes: string[];
  /** A tool of the project's own that writes the new file, run from the root. */
  command?: string[];
}

export function emptyPlan(what: string): AddPlan {
  return { what, actions: [], already: [], notes: [] };
}

/** Whether the user can be asked: a terminal, and no --yes. */
export function interactive(options: AddOptions): boolean {
  return !options.yes && Boolean(process.stdin.isTTY);
}

/** Plan and write one add in the repository at root, holding its lock. */
export async function runAdd(
  root: string,
  generator: Generator<AddPlan> & { name: string },
  decide: (pipeline: Pipeline) => AddPlan | Promise<AddPlan>,
  options: AddOptions,
): Promise<void> {
  await withRepositoryLock(root, () => add(root, generator, decide, options));
}

async function add(
  root: string,
  generator: Generator<AddPlan> & { name: string },
  decide: (pipeline: Pipeline) => AddPlan | Promise<AddPlan>,
  options: AddOptions,
): Promise<void> {
  const plan = await decide(loadPipeline(root));
  for (const part of plan.already) {
    process.stdout.write(`${pc.dim('exists   ')} ${part}\n`);
  }
  if (plan.command) {
    await runCommand(root, plan, options);
    return;
  }
  if (plan.actions.length === 0) {
    process.stdout.write(`${plan.what} is already there; nothing changed\n`);
    return;
  }
  const files = await planFiles(generator.name, generator, plan);
  const wrote = await applyPlan(root, files, {
    dryRun: options.dryRun,
    force: false,
    interactive: false,
  });
  if (!options.dryRun && !wrote) {
    process.stdout.write(`${plan.what} is already there; nothing changed\n`);
    return;
  }
  process.stdout.write(`\n${options.dryRun ? 'would add' : 'added'} ${plan.what}\n`);
  for (const note of plan.notes) process.stdout.write(`  ${note}\n`);
}

/** Hand the writing to the project's own tool, which reports what it wrote. */
async function runCommand(root: string, plan: AddPlan, options: AddOptions): Promise<void> {
  const [program, ...args] = plan.command!;
  const shown = plan.command!.join(' ');
  if (options.dryRun) {
    process.stdout.write(`would run ${shown}\n`);
    return;
  }
  const { execa } = await import('execa');
  const result = await execa(program!, args, {
    cwd: root,
    stdin: 'ignore',
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) {
    const said = (result.all ?? '').trim().split('\n').at(-1) || `exit code ${result.exitCode}`;
    throw new CommandError(`${shown} failed: ${said}`);
  }
  process.stdout.write(`${result.all}\n\nadded ${plan.what}\n`);
  for (const note of plan.notes) process.stdout.write(`  ${note}\n`);
}

/** An add generator: its actions are the ones its plan decided on. */
export function addGenerator(
  name: string,
  description: string,
): Generator<AddPlan> & {
  name: string;
} {
  return { name, description, actions: (plan) => plan.actions };
}

/** Several entries added to the same files: each edit starts from the last. */
export class Edits {
  private readonly texts = new Map<string, string>();

  constructor(private readonly root: string) {}

  text(path: string): string {
    const known = this.texts.get(path);
    if (known !== undefined) return known;
    const text = readText(this.root, path);
    if (text === null) throw new CommandError(`${path} is missing`);
    return text;
  }

  set(path: string, text: string): void {
    this.texts.set(path, text);
  }

  actions(): RenderAction[] {
    return [...this.texts].map(([path, text]) => editAction(path, text));
  }
}

/**
 * Record an addition in mcc/answers.yml, when the pipeline has one, so that a
 * re-run of create-mcc-pipeline writes what the add wrote. The file is
 * written as create-mcc-pipeline writes it.
 */
export function updateAnswers(
  pipeline: Pipeline,
  edits: Edits,
  change: (answers: Answers) => void,
): void {
  if (!pipeline.answers || pipeline.answersText === null) return;
  const answers = structuredClone(pipeline.answers);
  change(answers);
  const text = serializeAnswers(answers);
  // The file may have CRLF line endings; it is written back in the ones it has.
  if (text !== pipeline.answersText.replaceAll('\r\n', '\n')) edits.set(ANSWERS_FILE, text);
}

/**
 * Record an item added to a list the answers keep for the project and, where a
 * stage has its own, per stage: the project's list when the add reaches every
 * stage and none has its own; else the list of each stage it reaches.
 */
export function recordInList(
  pipeline: Pipeline,
  edits: Edits,
  change: { key: 'domains' | 'services'; item: string; targets: StageEntry[]; everyStage: boolean },
  same: (known: string, item: string) => boolean = (known, item) => known === item,
): void {
  const { key, item, targets, everyStage } = change;
  const has = (list: string[]) => list.some((known) => same(known, item));
  updateAnswers(pipeline, edits, (answers) => {
    if (everyStage && answers.stages.every((stage) => !stage[key])) {
      if (!has(answers[key])) answers[key].push(item);
      return;
    }
    for (const entry of answers.stages) {
      if (!targets.some((target) => target.name === entry.name)) continue;
      const list = entry[key] ?? answers[key];
      if (!has(list)) entry[key] = [...list, item];
    }
  });
}
