/**
 * A stand-in for systemd in a sandbox: `restart` really stops a service's
 * process group and starts it again from current-api with the release's own
 * virtual environment, as a unit would. State lives in <sandbox>/.mcc-try/.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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

/** Stop a service; returns the pid it had, or null when it was not running. */
async function stop(stateDir: string, service: string): Promise<number | null> {
  const pid = runningPid(stateDir, service);
  rmSync(pidFile(stateDir, service), { force: true });
  if (pid === null) return null;
  process.kill(-pid, 'SIGTERM');
  for (let waited = 0; alive(pid) && waited < 10_000; waited += 50) await sleep(50);
  if (alive(pid)) process.kill(-pid, 'SIGKILL');
  return pid;
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
  await stop(stateDir, service);
  const pid = start(stateDir, state, service);
  process.stdout.write(`  supervisor: ${service} restarted as pid ${pid}\n`);
}

export async function stopAll(stateDir: string): Promise<void> {
  if (!existsSync(join(stateDir, 'state.json'))) return;
  for (const service of Object.keys(readState(stateDir).services)) await stop(stateDir, service);
}

export async function stopSandbox(sandbox: string): Promise<void> {
  const stateDir = join(sandbox, STATE_FOLDER);
  if (!existsSync(join(stateDir, 'state.json'))) {
    throw new UsageError(`--sandbox ${JSON.stringify(sandbox)}: expected a sandbox of mcc try`);
  }
  for (const service of Object.keys(readState(stateDir).services)) {
    const pid = await stop(stateDir, service);
    process.stdout.write(
      `${service}: ${pid === null ? 'was not running' : `stopped pid ${pid}`}\n`,
    );
  }
}
