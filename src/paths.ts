import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own folder, whether running from src/ or from dist/src/. */
function findPackageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('create-mcc-pipeline: package.json not found');
    folder = parent;
  }
  return folder;
}

export const PACKAGE_ROOT = findPackageRoot();
export const TEMPLATES = join(PACKAGE_ROOT, 'templates');
