/**
 * A stand-in for systemd in a sandbox: `restart` really stops a service's
 * process group and starts it again from current-api with the release's own
 * virtual environment, as a unit would. State lives in <sandbox>/.mcc-try/.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { CommandError, UsageError } from '../errors.js';

export interface ServiceSpec {
  /** Run from the resolved current-api folder; the first word may be relative to it. */
  command: string[];
  env: Record<string, string>;
  log: string;
}

export interface SupervisorState {
  base: string;
  port: number;
  services: Record<string, ServiceSpec>;
}

export const STATE_FOLDER = '.mcc-try';

export function readState(stateDir: string): SupervisorState {
  const path = join(stateDir, 'state.json');
  if (!existsSync(path)) throw new CommandError(`no sandbox state at ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as SupervisorState;
}

export function writeState(stateDir: string, state: SupervisorState): void {
  writeFileSync(join(stateDir, 'state.json'), JSON.stringify(state, null, 2));
}

function pidFile(stateDir: string, service: string): string {
  return join(stateDir, `${service}.pid`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(stateDir: string, service: string): number | null {
  const path = pidFile(stateDir, service);
  if (!existsSync(path)) return null;
  const pid = Number(readFileSync(path, 'utf8'));
  return pid > 0 && alive(pid) ? pid : null;
}

/**
 * Every process the supervisor started, one file each in processes/, so that a
 * stop reaches all of them: also one a pid file no longer names (a service the
 * conf dropped since, a restart cut short).
 */
const PROCESSES = 'processes';

interface Started {
  service: string;
  pid: number;
  base: string;
}

function record(stateDir: string, started: Started): void {
  mkdirSync(join(stateDir, PROCESSES), { recursive: true });
  writeFileSync(join(stateDir, PROCESSES, `${started.pid}.json`), JSON.stringify(started));
}

function startedProcesses(stateDir: string): Started[] {
  const folder = join(stateDir, PROCESSES);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as Started);
}

/** Whether a recorded process still runs, and is still ours: a pid can be reused. */
function stillOurs(started: Started): boolean {
  if (!alive(started.pid)) return false;
  if (!existsSync('/proc/self/environ')) return true;
  try {
    const environ = readFileSync(`/proc/${started.pid}/environ`, 'utf8').split('\0');
    return environ.includes(`MCC_REMOTE_BASE=${started.base}`);
  } catch {
    return false;
  }
}

/** SIGTERM to each process group, SIGKILL to those still there after 10 s. */
async function terminate(pids: number[]): Promise<void> {
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // The group is gone already.
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  for (let waited = 0; pids.some(alive) && waited < 10_000; waited += 50) await sleep(50);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
}

/**
 * Stop every process of the services named (all when none is), whether a pid
 * file or only the record of its start knows it; returns their pids by service.
 */
async function stopServices(
  stateDir: string,
  services: string[] | null,
): Promise<Map<string, number[]>> {
  const stopped = new Map<string, number[]>();
  const add = (service: string, pid: number) => {
    const pids = stopped.get(service) ?? [];
    if (!pids.includes(pid)) stopped.set(service, [...pids, pid]);
  };
  for (const started of startedProcesses(stateDir)) {
    if (services !== null && !services.includes(started.service)) continue;
    if (stillOurs(started)) add(started.service, started.pid);
    else rmSync(join(stateDir, PROCESSES, `${started.pid}.json`), { force: true });
  }
  const named =
    services ??
    (existsSync(join(stateDir, 'state.json')) ? Object.keys(readState(stateDir).services) : []);
  for (const service of named) {
    const pid = runningPid(stateDir, service);
    rmSync(pidFile(stateDir, service), { force: true });
    if (pid !== null) add(service, pid);
  }
  const pids = [...stopped.values()].flat();
  await terminate(pids);
  for (const pid of pids) rmSync(join(stateDir, PROCESSES, `${pid}.json`), { force: true });
  return stopped;
}

function start(stateDir: string, state: SupervisorState, service: string): number {
  const spec = state.services[service]!;
  const current = join(state.base, 'current-api');
  if (!existsSync(current)) throw new CommandError(`${current} does not exist: nothing to start`);
  const release = realpathSync(current);
  const [program, ...args] = spec.command;
  const executable = program!.includes('/') ? join(release, program!) : program!;
  const log = openSync(spec.log, 'a');
  const child = spawn(executable, args, {
    cwd: release,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  writeFileSync(pidFile(stateDir, service), String(child.pid));
  record(stateDir, { service, pid: child.pid!, base: state.base });
  return child.pid!;
}

export async function supervise(action: string, stateDir: string, service: string): Promise<void> {
  if (action !== 'restart')
    throw new UsageError(`unknown supervisor action ${JSON.stringify(action)}`);
  const state = readState(stateDir);
  if (!state.services[service]) {
    const known = Object.keys(state.services).join(', ');
    throw new CommandError(
      `unknown service ${JSON.stringify(service)} (sandbox services: ${known})`,
    );
  }
  await stopServices(stateDir, [service]);
  const pid = start(stateDir, state, service);
  process.stdout.write(`  supervisor: ${service} restarted as pid ${pid}\n`);
}

/** Stop every app process the sandbox runs; returns their pids by service. */
export async function stopAll(stateDir: string): Promise<Map<string, number[]>> {
  if (!existsSync(stateDir)) return new Map();
  return stopServices(stateDir, null);
}

/** mcc stop: any folder mcc try made is a sandbox, also one whose try failed early. */
export async function stopSandbox(sandbox: string): Promise<void> {
  const stateDir = join(sandbox, STATE_FOLDER);
  if (!existsSync(stateDir)) {
    throw new UsageError(`--sandbox ${JSON.stringify(sandbox)}: expected a sandbox of mcc try`);
  }
  const stopped = await stopAll(stateDir);
  if (stopped.size === 0) process.stdout.write(`nothing is running in the sandbox ${sandbox}\n`);
  for (const [service, pids] of stopped) {
    process.stdout.write(`${service}: stopped pid ${pids.join(', pid ')}\n`);
  }
}
