/**
 * mcc add migration: the next numbered SQL file in mcc/migrations/, which the
 * deploy applies in name order; for an alembic project, a new revision.
 */
import { addGenerator, emptyPlan, type AddPlan } from '../src/add.js';
import { renderAction } from '../src/engine.js';
import { UsageError } from '../src/errors.js';
import { listFolder, type Pipeline } from '../src/pipeline.js';

export const addMigrationGenerator = addGenerator('add-migration', 'Add a migration');

export const MIGRATIONS = 'mcc/migrations';

export function migrationSlug(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9 _-]*$/.test(name)) {
    throw new UsageError(
      `migration ${JSON.stringify(name)}: expected a name starting with a letter, of ASCII ` +
        'letters, digits, spaces, _ and - only, e.g. add_note_tags',
    );
  }
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '' || slug.length > 60 || !/^[a-z]/.test(slug)) {
    throw new UsageError(
      `migration ${JSON.stringify(name)}: expected a short name starting with a letter, ` +
        'e.g. add_note_tags',
    );
  }
  return slug;
}

export function planMigration(pipeline: Pipeline, name: string): AddPlan {
  const slug = migrationSlug(name);
  const plan = emptyPlan(`migration ${slug}`);
  if (pipeline.database === 'none') {
    throw new UsageError(`migration ${JSON.stringify(name)}: this pipeline has no database`);
  }
  if (pipeline.alembic) return planRevision(pipeline, slug);
  const files = listFolder(pipeline.root, MIGRATIONS).filter((file) => file.endsWith('.sql'));
  const existing = files.find((file) => file.replace(/^\d+_/, '') === `${slug}.sql`);
  if (existing) {
    plan.already.push(`${MIGRATIONS}/${existing}`);
    return plan;
  }
  const numbers = files.map((file) => Number(/^(\d+)_/.exec(file)?.[1] ?? 0));
  const width = Math.max(4, ...files.map((file) => /^(\d+)_/.exec(file)?.[1]?.length ?? 0));
  const next = String(Math.max(0, ...numbers) + 1).padStart(width, '0');
  const path = `${MIGRATIONS}/${next}_${slug}.sql`;
  plan.actions.push(
    renderAction(path, 'add/migration.sql.hbs', { project: pipeline.project, name: slug }),
  );
  plan.notes.push(`write its SQL in ${path}; the next deploy applies it to every database`);
  return plan;
}

/** Alembic writes its own revisions: it knows the head the new one follows. */
function planRevision(pipeline: Pipeline, slug: string): AddPlan {
  const plan = emptyPlan(`alembic revision ${slug}`);
  const versions = `${pipeline.alembicScripts}/versions`;
  const existing = listFolder(pipeline.root, versions).find((file) => file.endsWith(`_${slug}.py`));
  if (existing) {
    plan.already.push(`${versions}/${existing}`);
    return plan;
  }
  plan.command = ['uv', 'run', 'alembic', 'revision', '-m', slug];
  plan.notes.push(
    `write its upgrade() and downgrade() in ${versions}/; the next deploy upgrades every database`,
  );
  return plan;
}
