/**
 * How both command lines start. Each is one CommonJS bundle (dist/cli/<name>.cjs), compiled
 * here through node:vm so that V8's code cache can be kept after a run that succeeded. Made
 * then, the cache holds every function the run compiled, not only the top level, and the next
 * run of the same command skips nearly all of its parsing and compiling.
 *
 * One cache file per bundle, command and Node, in the user's cache folder:
 * <name>-<command>-<crc>-<node>-<arch>.v8. V8 checks its own version and flags but, of the
 * source, only its length, and of the cache nothing more: a damaged one can crash it or
 * run wrong code. So the name holds the CRC-32 of the source, and the file that of the
 * cache, in its first four bytes. Only a regular file the user running owns is read, and
 * only folders the user owns are written to. Any failure to read or write a cache leaves
 * the run as it would be without; Node's own switch, NODE_DISABLE_COMPILE_CACHE=1, turns
 * it off.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
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
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import envPaths from 'env-paths';

/** Caches not rewritten for this long are removed when another is written. */
const KEEP_MS = 30 * 24 * 3600 * 1000;
/** A temporary file this old was left by a run that was killed while writing it. */
const ABANDONED_MS = 3600 * 1000;
/**
 * Arguments that make a run brief (help, the version), after which it compiles little: its
 * cache would be a poor one for the rest. Short flags count in a cluster too (-yv).
 */
const BRIEF = /^(--help|--version|help|-[a-zA-Z]*[hvV][a-zA-Z]*)$/;
/** A cache larger than this is not one V8 wrote for us. */
const MAX_BYTES = 64 * 1024 * 1024;
/** Opening the cache neither follows a link nor waits on a pipe (where the system has both). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

interface Bundle {
  main(argv: string[]): Promise<void>;
}

/** Load dist/cli/<name>.cjs, from its code cache when there is one, and run its main. */
export async function start(name: 'create' | 'mcc', argv: string[]): Promise<void> {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.cjs`);
  const bytes = readFileSync(file);
  // The build writes ASCII only, which latin1 reads the fastest.
  const source = bytes.toString('latin1');
  const cache = cachePath(name, bytes, argv);
  const cachedData = cache === undefined ? undefined : readCache(cache);
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  // Kept from a run that did all it set out to: main returned, or help was shown. A run
  // that ended early (a usage error, Ctrl-D at a question, a closed pipe) compiled too
  // little, even when it ends with 0.
  let done = brief(argv);
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (code === 0 && done) writeCache(cache, script);
    });
  }
  const module = { exports: {} as Bundle };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  await module.exports.main(argv);
  done = true;
  // When nothing is left to run, end there: left to itself, Node would first free the heap
  // piece by piece, which takes milliseconds and serves no one.
  process.once('beforeExit', () => process.exit());
}

const brief = (argv: string[]) => argv.slice(2).some((arg) => BRIEF.test(arg));

/**
 * The cache for this run. mcc's is chosen by its first argument when that is a command's
 * name, since each command compiles other functions; brief runs share one. None without
 * an absolute cache folder: a relative one would land in the repository.
 */
export function cachePath(name: string, source: Buffer, argv: string[]): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE === '1') return undefined;
  const first = argv[2] ?? '';
  const word = name === 'mcc' && /^[a-z]{1,20}$/.test(first) ? first : 'main';
  const command = brief(argv) ? 'brief' : word;
  const crc = crc32(source).toString(16).padStart(8, '0');
  const file = `${name}-${command}-${crc}-${process.version}-${process.arch}.v8`;
  try {
    const folder = envPaths('create-mcc-pipeline', { suffix: '' }).cache;
    return isAbsolute(folder) ? join(folder, file) : undefined;
  } catch {
    return undefined;
  }
}

function ours(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}

/**
 * A folder that other users cannot change: the user's own, not writable by everyone, and,
 * when it is a link, a link of theirs to such a folder.
 */
function trusted(path: string): boolean {
  try {
    const link = lstatSync(path);
    const folder = link.isSymbolicLink() ? statSync(path) : link;
    const writable = process.platform !== 'win32' && (folder.mode & 0o002) !== 0;
    return ours(link.uid) && ours(folder.uid) && folder.isDirectory() && !writable;
  } catch {
    return false;
  }
}

/** The V8 data of a cache file that is whole and ours, else undefined. */
function readCache(path: string): Buffer | undefined {
  if (!trusted(dirname(path)) || !trusted(dirname(dirname(path)))) return undefined;
  try {
    const fd = openSync(path, READ_FLAGS);
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile() || !ours(stats.uid) || stats.size > MAX_BYTES) return undefined;
      const content = readFileSync(fd);
      const data = content.subarray(4);
      return content.length > 4 && content.readUInt32LE(0) === crc32(data) ? data : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** A trusted folder: made, when missing, in a trusted parent. */
function ownFolder(path: string): boolean {
  if (trusted(path)) return true;
  try {
    if (!trusted(dirname(path))) return false;
    mkdirSync(path, { mode: 0o700 });
    return true;
  } catch {
    return false;
  }
}

/** Write the cache beside the others, whole or not at all, and remove those long unused. */
function writeCache(path: string, script: Script): void {
  const folder = dirname(path);
  // The cache folder's parent (~/.cache) may be made, but not the home above it.
  if (!ownFolder(dirname(folder)) || !ownFolder(folder)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    removeUnused(folder);
    const data = script.createCachedData();
    const check = Buffer.alloc(4);
    check.writeUInt32LE(crc32(data));
    // wx: a file or link already at the temporary name is left alone, not written through.
    writeFileSync(temporary, Buffer.concat([check, data]), { mode: 0o600, flag: 'wx' });
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
    const age = entry.endsWith('.tmp') ? ABANDONED_MS : KEEP_MS;
    const path = join(folder, entry);
    try {
      if (now - statSync(path).mtimeMs > age) rmSync(path, { force: true });
    } catch {
      // Removed meanwhile by another run.
    }
  }
}
