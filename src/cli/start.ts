/**
 * How both command lines start. Each is one CommonJS bundle (dist/cli/<name>.cjs), compiled
 * here through node:vm so that V8's code cache can be kept after a run that succeeded. Made
 * then, the cache holds every function the run compiled, not only the top level, and the next
 * run of the same command skips nearly all of its parsing and compiling.
 *
 * One cache file per bundle, command and Node, in the user's cache folder:
 * <name>-<command>-<hash>-<node>-<arch>.v8. V8 itself checks its version and flags but, of
 * the source, only its length; the hash, which the build writes into the bundle's first line,
 * is what ties a cache to its code. A cache is used only when the user running owns it. Any
 * failure to read or write one leaves the run as it would be without; Node's own switch,
 * NODE_DISABLE_COMPILE_CACHE, turns it off.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import envPaths from 'env-paths';

/** The bundle's first line, as the build writes it. */
const HASH_LINE = /^\/\/ bundle ([0-9a-f]{16})\n/;
/** Caches not rewritten for this long are removed when another is written. */
const KEEP_MS = 30 * 24 * 3600 * 1000;

interface Bundle {
  main(argv: string[]): Promise<void>;
}

/** Load dist/cli/<name>.cjs, from its code cache when there is one, and run its main. */
export async function start(name: 'create' | 'mcc', argv: string[]): Promise<void> {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.cjs`);
  const source = readFileSync(file, 'utf8');
  const cache = cachePath(name, source, argv);
  const cachedData = cache === undefined ? undefined : readCache(cache);
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (code === 0) writeCache(cache, script);
    });
  }
  const module = { exports: {} as Bundle };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  await module.exports.main(argv);
  // When nothing is left to run, end there: left to itself, Node would first free the heap
  // piece by piece, which takes milliseconds and serves no one.
  process.once('beforeExit', () => process.exit());
}

/**
 * The cache for this run: by the first argument when it is a command's name, since each
 * command compiles other functions, and apart for --help, which compiles few.
 */
export function cachePath(name: string, source: string, argv: string[]): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const hash = HASH_LINE.exec(source)?.[1];
  if (hash === undefined) return undefined;
  const first = argv[2] ?? '';
  const command = /^[a-z]{1,20}$/.test(first) ? first : 'main';
  const help = argv.some((arg) => arg === '-h' || arg === '--help') ? '-help' : '';
  const file = `${name}-${command}${help}-${hash}-${process.version}-${process.arch}.v8`;
  try {
    return join(envPaths('create-mcc-pipeline', { suffix: '' }).cache, file);
  } catch {
    return undefined;
  }
}

function readCache(path: string): Buffer | undefined {
  try {
    const fd = openSync(path, 'r');
    try {
      const { uid } = fstatSync(fd);
      if (process.getuid !== undefined && uid !== process.getuid()) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Make a folder that is not there yet, in a parent that is. Never more: a missing home
 * folder is no place to start making folders.
 */
function makeFolder(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Write the cache beside the others, whole or not at all, and remove those long unused. */
function writeCache(path: string, script: Script): void {
  const folder = dirname(path);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    makeFolder(dirname(folder));
    makeFolder(folder);
    removeUnused(folder);
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, path);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written, and nothing more can be done.
    }
  }
}

function removeUnused(folder: string): void {
  const now = Date.now();
  for (const entry of readdirSync(folder)) {
    if (!/\.v8(\.\d+\.tmp)?$/.test(entry)) continue;
    const path = join(folder, entry);
    try {
      if (now - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { force: true });
    } catch {
      // Removed meanwhile by another run.
    }
  }
}
