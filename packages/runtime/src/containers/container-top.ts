/**
 * @module containers/container-top
 * `docker top` the way moby does it (daemon/top_unix.go): the container's pids come from its
 * cgroup (`/sys/fs/cgroup/pids<cgroupsPath>/cgroup.procs`), the rows come from the host's `ps`
 * with the user's arguments (default `-ef`), and only rows whose PID column is one of the
 * container's pids are kept. Thread rows (`-` in the PID column, `ps -m`) follow their process.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerTop } from '../services.js';
import type { ContainerContext } from './container-context.js';
import { errors } from '../errors/engine-error.js';
import { CommandError, run } from '../util/exec-file.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** moby validatePSArgs: only `pid=PID…` may rename a PID column, or the filter would break. */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (m[1] !== 'pid') throw errors.invalid(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** ASCII whitespace only, as moby's fieldsASCII (non-ASCII spaces belong to the command). */
function fieldsAscii(s: string): string[] {
  return s.split(/[\t\n\f\r ]+/).filter((f) => f !== '');
}

/** Extra fields beyond the titles (a command with spaces) merge into the last column. */
function toRow(titles: string[], fields: string[]): string[] {
  const n = titles.length;
  return [...fields.slice(0, n - 1), fields.slice(n - 1).join(' ')];
}

export function parsePsOutput(output: string, pids: ReadonlySet<number>): ContainerTop {
  const lines = output.split('\n');
  const titles = fieldsAscii(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw errors.internal("Couldn't find PID field in ps output", new Error(lines[0]));
  const processes: string[][] = [];
  let lastKept = false;
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const fields = fieldsAscii(line);
    const pidField = fields[pidIndex];
    if (pidField === undefined) continue;
    if (pidField === '-') {
      if (lastKept) processes.push(toRow(titles, fields));
      continue;
    }
    if (!/^\d+$/.test(pidField)) throw errors.internal(`Unexpected pid '${pidField}'`, new Error(line));
    lastKept = pids.has(Number(pidField));
    if (lastKept) processes.push(toRow(titles, fields));
  }
  return { titles, processes };
}


export async function readCgroupPids(cgroupsPath: string): Promise<Set<number>> {
  const text = await fs.readFile(path.join(CGROUP_ROOT, 'pids', cgroupsPath, 'cgroup.procs'), 'utf8');
  return new Set(text.split('\n').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 0));
}

export async function topContainer(ctx: ContainerContext, ref: string, psArgs = ''): Promise<ContainerTop> {
  const args = psArgs.trim() === '' ? '-ef' : psArgs;
  validatePsArgs(args);
  const rec = ctx.resolve(ref);
  const status = rec.state.status;
  if (status === 'restarting') throw errors.conflict(`Container ${rec.id} is restarting, wait until the container is running`);
  if (!['running', 'paused', 'stopping'].includes(status)) throw errors.conflict(`Container ${rec.id} is not running`);
  let pids: Set<number>;
  try {
    pids = await readCgroupPids(await ctx.runningCgroupsPath(rec.id));
  } catch (err) {
    throw errors.conflict(`Container ${rec.id} is not running`, { cause: String(err) });
  }
  const argv = args.split(' ');
  let stdout: string;
  try {
    // `-q` keeps ps from listing the whole host; some options (f) refuse it, so retry without.
    stdout = (await run('ps', [...argv, `-q${[...pids].join(',')}`])).stdout;
  } catch {
    try {
      stdout = (await run('ps', argv)).stdout;
    } catch (err) {
      const first = err instanceof CommandError ? err.stderr.split('\n')[0] : '';
      throw errors.internal(`ps: ${first || (err as Error).message}`, err);
    }
  }
  const top = parsePsOutput(stdout, pids);
  ctx.publish(rec, 'top');
  return top;
}
