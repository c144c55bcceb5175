/**
 * Deciding what to do with each planned file against what the repository
 * already holds, and writing the result as one unit.
 */
import { CommandError, ConflictError } from './errors.js';
import {
  checkContents,
  compare,
  report,
  unifiedDiff,
  writeAll,
  type Comparison,
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

/** Returns whether anything was written. */
export async function applyPlan(
  root: string,
  files: PlannedFile[],
  options: ApplyOptions,
): Promise<boolean> {
  checkContents(files);
  const comparisons = compare(root, files);
  if (options.dryRun) {
    for (const c of comparisons) {
      if (c.outcome !== 'unchanged') process.stdout.write(unifiedDiff(c));
    }
    report(
      comparisons.map((c) => ({ ...c, outcome: c.outcome === 'conflict' ? 'updated' : c.outcome })),
      'would be ',
    );
    return false;
  }
  await resolveConflicts(comparisons, options);
  const toWrite = comparisons.filter((c) => c.outcome === 'created' || c.outcome === 'updated');
  try {
    writeAll(
      root,
      toWrite.map((c) => c.file),
    );
  } catch (error) {
    throw new CommandError(`could not write the files, none was changed: ${String(error)}`);
  }
  report(comparisons);
  return toWrite.length > 0;
}
