/**
 * Deciding what to do with each planned file against what the repository
 * already holds, and writing the result as one unit.
 */
import { CommandError, ConflictError, InterruptedError } from './errors.js';
import { checkPython } from './compile.js';
import {
  checkYaml,
  compare,
  report,
  unifiedDiff,
  withSignalsHeld,
  writeAll,
  type Comparison,
  type Outcome,
  type PlannedFile,
} from './files.js';

export interface WriteOptions {
  dryRun: boolean;
  force: boolean;
}

interface ApplyOptions extends WriteOptions {
  interactive: boolean;
}

async function resolveConflicts(comparisons: Comparison[], options: ApplyOptions): Promise<void> {
  const conflicts = comparisons.filter((c) => c.outcome === 'conflict');
  if (conflicts.length === 0) return;
  if (options.force) {
    for (const c of conflicts) c.outcome = 'updated';
    return;
  }
  if (!options.interactive) throw new ConflictError(conflicts.map((c) => c.file.path));
  const { chooseForConflict } = await import('./prompt.js');
  for (const c of conflicts) {
    c.outcome = (await chooseForConflict(c.file.path, unifiedDiff(c))) ? 'updated' : 'skipped';
  }
}

const DRY_RUN_LABELS: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
  skipped: 'would skip',
  conflict: 'differs, kept without --force',
};

const LABEL_WIDTH = Math.max(...Object.values(DRY_RUN_LABELS).map((label) => label.length));

function reportDryRun(comparisons: Comparison[], force: boolean): void {
  for (const c of comparisons) {
    if (c.outcome !== 'unchanged') process.stdout.write(unifiedDiff(c));
  }
  for (const { file, outcome } of comparisons) {
    const label = DRY_RUN_LABELS[outcome === 'conflict' && force ? 'updated' : outcome];
    process.stdout.write(`${label.padEnd(LABEL_WIDTH)} ${file.path}\n`);
  }
}

/** Returns whether anything was written. */
export async function applyPlan(
  root: string,
  files: PlannedFile[],
  options: ApplyOptions,
): Promise<boolean> {
  checkYaml(files);
  const comparisons = compare(root, files);
  if (options.dryRun) {
    reportDryRun(comparisons, options.force);
    return false;
  }
  await resolveConflicts(comparisons, options);
  const toWrite = comparisons.filter((c) => c.outcome === 'created' || c.outcome === 'updated');
  await checkPython(
    toWrite.map((c) => c.file),
    root,
  );
  let signal: NodeJS.Signals | null;
  try {
    signal = await withSignalsHeld(() =>
      writeAll(
        root,
        toWrite.map((c) => c.file),
      ),
    );
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`${String(error)}; none of the files was changed`);
  }
  report(comparisons);
  if (signal) throw new InterruptedError(signal);
  return toWrite.length > 0;
}
