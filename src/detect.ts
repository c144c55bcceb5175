/** Guesses about the repository that become the defaults of the questions. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';

import type { Frontend } from './answers.js';
import { FRONTENDS } from './choices.js';

export interface Detected {
  project: string;
  backend: string[];
  testCommand: string[];
  frontend: Frontend | null;
  appModule: string;
  hasUvLock: boolean;
}

interface Pyproject {
  project?: { name?: string; dependencies?: string[] };
  'dependency-groups'?: Record<string, string[]>;
  tool?: { pytest?: unknown; poetry?: unknown };
}

function readPyproject(root: string): Pyproject {
  const path = join(root, 'pyproject.toml');
  if (!existsSync(path)) return {};
  try {
    return parseToml(readFileSync(path, 'utf8')) as Pyproject;
  } catch {
    return {};
  }
}

function isDir(root: string, path: string): boolean {
  try {
    return readdirSync(join(root, path)) !== undefined;
  } catch {
    return false;
  }
}

function detectBackend(root: string, pyproject: Pyproject): string[] {
  if (isDir(root, 'src/api') && isDir(root, 'src/shared')) return ['src/api', 'src/shared'];
  if (isDir(root, 'app')) return ['app'];
  const name = pyproject.project?.name?.replace(/[-.]/g, '_');
  if (name && isDir(root, name)) return [name];
  if (name && isDir(root, `src/${name}`)) return [`src/${name}`];
  return [];
}

function detectTests(root: string, pyproject: Pyproject): string[] {
  if (existsSync(join(root, 'run_tests.py'))) return ['python', 'run_tests.py'];
  const requirements = [
    ...(pyproject.project?.dependencies ?? []),
    ...Object.values(pyproject['dependency-groups'] ?? {}).flat(),
  ];
  const usesPytest =
    pyproject.tool?.pytest !== undefined ||
    requirements.some((r) => typeof r === 'string' && /^pytest\b/.test(r));
  return usesPytest || isDir(root, 'tests') ? ['pytest', '-x'] : [];
}

function detectFrontend(root: string, project: string): Frontend | null {
  for (const folder of ['frontend', 'ui', 'web']) {
    if (existsSync(join(root, folder, 'angular.json'))) {
      const kind = FRONTENDS.angular;
      return { kind: 'angular', folder, build: kind.build, dist: kind.dist(folder, project) };
    }
    if (existsSync(join(root, folder, 'package.json'))) {
      const kind = FRONTENDS.npm;
      return { kind: 'npm', folder, build: kind.build, dist: kind.dist(folder, project) };
    }
  }
  return null;
}

function detectAppModule(root: string, backend: string[]): string {
  for (const folder of backend) {
    for (const file of ['main.py', 'app.py', 'api.py']) {
      const path = join(root, folder, file);
      if (!existsSync(path)) continue;
      const source = readFileSync(path, 'utf8');
      const match = /^(\w+)\s*=\s*(FastAPI|Starlette|Quart)\(/m.exec(source);
      if (match) {
        const module = `${folder.replace(/^src\//, '').replace(/\//g, '.')}.${file.slice(0, -3)}`;
        return `${module}:${match[1]}`;
      }
    }
  }
  return 'app.main:app';
}

export function detect(root: string): Detected {
  const pyproject = readPyproject(root);
  const project = pyproject.project?.name ?? basename(root);
  const backend = detectBackend(root, pyproject);
  return {
    project,
    backend,
    testCommand: detectTests(root, pyproject),
    frontend: detectFrontend(root, project),
    appModule: detectAppModule(root, backend),
    hasUvLock: existsSync(join(root, 'uv.lock')),
  };
}
