/**
 * @module task/conmon-task-manager
 * TaskManager over conmon + runc. One conmon per container monitors it (exit file, k8s-file log,
 * attach socket, ctl fifo), so containers, logs and exit codes survive daemon restarts.
 * create() = conmon → `runc create`; start/kill/pause/resume/state/delete = runc CLI (task/runc);
 * attach = conmon's SEQPACKET socket; exits = inotify on conmon's exit dir; exec = `runc exec`,
 * tty exec = `conmon --exec --exec-attach` (task/conmon-exec).
 *
 * Bundle lookup: exits(), clearExit() and delete() get only an id, but OOM detection needs the
 * bundle (conmon's `oom` file) and the cgroup path. The manager keeps an in-memory id → task map,
 * filled by create(), readExit() and adopt(); for ids it does not know (another daemon instance
 * created them) it reads runc's own state file (`<runcRoot>/<id>/state.json`: the `bundle=` label
 * and cgroup path), which exists until `runc delete`. delete() rmdirs the container's cgroup parent
 * dirs itself (up to, not including, `cgroupParent`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errors } from '../errors/engine-error.js';
import type {
  ExecHandle, ExecProcessSpec, OciStatus, TaskAttachment, TaskCreateOptions, TaskExit, TaskManager, TtyExecHandle,
} from './task-manager.js';
import { startConmonExec } from './conmon-exec.js';
import { Runc } from './runc.js';
import { launchConmon, isUserError, type ConmonLaunchConfig } from './conmon-launch.js';
import { oomKillCount, removeCgroupDirs } from './cgroups.js';
import { readExitFile, watchExitDir, type ExitFileFact } from './exit-watch.js';
import { attachConmon, resizeConmon } from './conmon-attach.js';
import { LogRotator } from './log-rotator.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { OciProcess } from '../oci/runtime-spec.js';

export interface ConmonTaskManagerOptions {
  runcPath?: string;
  conmonPath?: string;
  /** runc --root. */
  runcRoot: string;
  /** conmon --exit-dir: one file per container id holding its exit code. */
  exitDir: string;
  /** conmon --persist-dir parent: `<persistRoot>/<id>`; default `<bundle>/persist`. */
  persistRoot?: string;
  /** conmon --socket-dir-path; also holds short symlinks for over-long attach socket paths. */
  socketDir: string;
  /** Engine cgroup (e.g. `/berth`): conmon moves to `<cgroupParent>/conmon`; delete() never removes it. */
  cgroupParent?: string;
  /** conmon --log-level (debug, info, warn, error). */
  logLevel?: string;
  /** Files kept per container log including the live one (Docker max-file); default 3. */
  logMaxFiles?: number;
  /** Rotation check period; default 2000 ms. */
  rotateIntervalMs?: number;
  logger?: Logger;
}

type Rlimit = OciProcess['rlimits'][number];

interface TaskInfo {
  bundleDir: string;
  cgroupsPath?: string;
}

/** Files conmon creates per run; stale ones from a previous run would confuse the next. */
const RUN_FILES = ['attach', 'ctl', 'winsz', 'pidfile', 'conmon.pid', 'oom'];

export class ConmonTaskManager implements TaskManager {
  readonly runc: Runc;
  private readonly launch: ConmonLaunchConfig;
  private readonly tasks = new Map<string, TaskInfo>();
  /** The container's rlimits per id, read once from its bundle for execs (dropped by create/delete). */
  private readonly rlimits = new Map<string, Promise<Rlimit[]>>();
  private readonly rotator: LogRotator;
  private readonly log: Logger;

  constructor(private readonly opts: ConmonTaskManagerOptions) {
    this.log = opts.logger ?? silentLogger;
    this.runc = new Runc({ runcPath: opts.runcPath, root: opts.runcRoot });
    this.launch = {
      conmonPath: opts.conmonPath ?? '/usr/bin/conmon',
      runcPath: this.runc.runcPath,
      runcRoot: opts.runcRoot,
      exitDir: opts.exitDir,
      socketDir: opts.socketDir,
      logLevel: opts.logLevel,
      monitorCgroup: opts.cgroupParent ? path.posix.join(opts.cgroupParent, 'conmon') : undefined,
    };
    this.rotator = new LogRotator({ maxFiles: opts.logMaxFiles ?? 3, intervalMs: opts.rotateIntervalMs ?? 2000 });
  }

  async create(t: TaskCreateOptions): Promise<{ pid: number }> {
    this.rlimits.delete(t.id);
    const cgroupsPath = await readBundleCgroupsPath(t.bundleDir);
    this.tasks.set(t.id, { bundleDir: t.bundleDir, cgroupsPath });
    const persistDir = this.persistDir(t.id, t.bundleDir);
    await Promise.all([
      fs.mkdir(this.opts.exitDir, { recursive: true }),
      fs.mkdir(this.opts.socketDir, { recursive: true }),
      fs.mkdir(persistDir, { recursive: true }),
      fs.mkdir(path.dirname(t.logPath), { recursive: true }),
    ]);
    await this.removeRunFiles(t.id, t.bundleDir);
    // A leftover runc container with this id (crash between exit and delete) would fail `runc create`.
    if (await pathExists(path.join(this.opts.runcRoot, t.id))) await this.runc.delete(t.id, { force: true });

    const r = await launchConmon(this.launch, t, persistDir);
    if (r.ok) {
      if (r.warnings.length) this.log.warn('conmon stays in the daemon cgroup', { id: t.id, problems: r.warnings });
      this.rotator.track({
        id: t.id, logPath: t.logPath, maxSize: t.logMaxSize ?? 0,
        ctlPath: path.join(t.bundleDir, 'ctl'), exitFile: this.exitFile(t.id),
      });
      return { pid: r.pid };
    }
    await this.cleanupFailedCreate(t, cgroupsPath);
    const message = r.message;
    this.log.debug('container create failed', { id: t.id, message });
    throw isUserError(message) ? errors.invalid(message) : errors.internal(message, new Error(message));
  }

  start(id: string): Promise<void> {
    return this.runc.start(id);
  }

  kill(id: string, signal: string, opts: { all?: boolean } = {}): Promise<void> {
    return this.runc.kill(id, signal, opts.all ?? false);
  }

  pause(id: string): Promise<void> {
    return this.runc.pause(id);
  }

  resume(id: string): Promise<void> {
    return this.runc.resume(id);
  }

  async state(id: string): Promise<{ status: OciStatus; pid: number } | undefined> {
    const s = await this.runc.state(id);
    return s && { status: s.status, pid: s.pid };
  }

  async delete(id: string): Promise<void> {
    const info = await this.info(id);
    this.rlimits.delete(id);
    this.rotator.untrack(id);
    await this.runc.delete(id, { force: true });
    if (info?.cgroupsPath) await removeCgroupDirs(info.cgroupsPath, this.opts.cgroupParent);
  }

  attach(id: string, bundleDir: string): Promise<TaskAttachment> {
    return attachConmon(id, bundleDir, this.opts.socketDir);
  }

  resize(bundleDir: string, size: { rows: number; cols: number }): Promise<void> {
    return resizeConmon(bundleDir, size);
  }

  exits(signal: AbortSignal): AsyncIterable<TaskExit> {
    return watchExitDir(this.opts.exitDir, signal, (f) => this.completeExit(f));
  }

  async readExit(id: string, bundleDir: string): Promise<TaskExit | undefined> {
    if (!this.tasks.has(id)) this.tasks.set(id, { bundleDir, cgroupsPath: await readBundleCgroupsPath(bundleDir) });
    const fact = (await readExitFile(this.exitFile(id), id))
      // The exit dir may be on a tmpfs that a reboot emptied; conmon's persist copy survives.
      ?? (await readExitFile(path.join(this.persistDir(id, bundleDir), 'exit'), id));
    return fact && this.completeExit(fact);
  }

  async clearExit(id: string): Promise<void> {
    const info = await this.info(id);
    const files = [this.exitFile(id)];
    if (info) {
      const persist = this.persistDir(id, info.bundleDir);
      files.push(path.join(persist, 'exit'), path.join(persist, 'oom'), path.join(info.bundleDir, 'oom'));
    }
    await Promise.all(files.map((f) => fs.rm(f, { force: true })));
  }

  async monitorAlive(bundleDir: string): Promise<boolean> {
    return pidAlive(await readPidFile(path.join(bundleDir, 'conmon.pid')), 'conmon');
  }

  async exec(id: string, p: ExecProcessSpec, opts: { stdin: boolean }): Promise<ExecHandle> {
    if (p.tty) throw errors.notImplemented('tty exec is not served by runc exec with pipes');
    const rlimits = await this.containerRlimits(id);
    return this.runc.exec(id, {
      terminal: false,
      args: p.args,
      env: p.env,
      cwd: p.cwd,
      user: p.user,
      ...(p.capabilities ? { capabilities: fillCaps(p.capabilities) } : {}),
      ...(p.noNewPrivileges !== undefined ? { noNewPrivileges: p.noNewPrivileges } : {}),
      ...(rlimits.length ? { rlimits } : {}),
    }, opts);
  }

  async execTty(id: string, execId: string, p: ExecProcessSpec, opts: { stdin: boolean; size?: { rows: number; cols: number } }): Promise<TtyExecHandle> {
    const rlimits = await this.containerRlimits(id);
    return startConmonExec({
      conmonPath: this.launch.conmonPath, runcPath: this.runc.runcPath, runcRoot: this.opts.runcRoot,
      socketDir: this.opts.socketDir, monitorCgroup: this.launch.monitorCgroup,
    }, id, execId, { ...p, ...(p.capabilities ? { capabilities: fillCaps(p.capabilities) } : {}), ...(rlimits.length ? { rlimits } : {}) }, opts);
  }

  /**
   * An exec gets the container's ulimits, as Docker's do: runc applies only the rlimits of the
   * exec's own process spec, so without these the process would run with the daemon's limits.
   */
  private containerRlimits(id: string): Promise<Rlimit[]> {
    let r = this.rlimits.get(id);
    if (!r) {
      r = (async () => {
        const info = await this.info(id);
        if (!info) return [];
        try {
          const spec = JSON.parse(await fs.readFile(path.join(info.bundleDir, 'config.json'), 'utf8')) as { process?: { rlimits?: Rlimit[] } };
          return spec.process?.rlimits ?? [];
        } catch {
          return [];
        }
      })();
      this.rlimits.set(id, r);
    }
    return r;
  }

  /**
   * Re-registers a task created by an earlier daemon run (boot reconciliation): remembers its bundle
   * and resumes log rotation. Not part of TaskManager; optional for callers.
   */
  async adopt(t: { id: string; bundleDir: string; logPath?: string; logMaxSize?: number }): Promise<void> {
    this.tasks.set(t.id, { bundleDir: t.bundleDir, cgroupsPath: await readBundleCgroupsPath(t.bundleDir) });
    if (t.logPath && t.logMaxSize) {
      this.rotator.track({
        id: t.id, logPath: t.logPath, maxSize: t.logMaxSize,
        ctlPath: path.join(t.bundleDir, 'ctl'), exitFile: this.exitFile(t.id),
      });
    }
  }

  /** Runs one log rotation pass now (tests, or an engine that wants rotation before reading). */
  rotateLogsNow(): Promise<void> {
    return this.rotator.checkNow();
  }

  /** Stops the rotation timer; conmon and containers keep running. */
  close(): void {
    this.rotator.stop();
  }

  private async completeExit(f: ExitFileFact): Promise<TaskExit> {
    return { ...f, oomKilled: await this.oomKilled(f.id) };
  }

  /** conmon's `oom` files, or the memory cgroup's kill counter (only until runc delete). */
  private async oomKilled(id: string): Promise<boolean> {
    const info = await this.info(id);
    if (!info) return false;
    const persist = this.persistDir(id, info.bundleDir);
    if (await pathExists(path.join(info.bundleDir, 'oom')) || await pathExists(path.join(persist, 'oom'))) return true;
    return (await oomKillCount(info.cgroupsPath)) > 0;
  }

  private async info(id: string): Promise<TaskInfo | undefined> {
    const known = this.tasks.get(id);
    if (known) return known;
    const fromRunc = await readRuncStateFile(this.opts.runcRoot, id);
    if (fromRunc) this.tasks.set(id, fromRunc);
    return fromRunc;
  }

  private persistDir(id: string, bundleDir: string): string {
    return this.opts.persistRoot ? path.join(this.opts.persistRoot, id) : path.join(bundleDir, 'persist');
  }

  private exitFile(id: string): string {
    return path.join(this.opts.exitDir, id);
  }

  private async removeRunFiles(id: string, bundleDir: string): Promise<void> {
    const persist = this.persistDir(id, bundleDir);
    const files = [...RUN_FILES.map((f) => path.join(bundleDir, f)), path.join(persist, 'exit'), path.join(persist, 'oom'), this.exitFile(id)];
    await Promise.all(files.map((f) => fs.rm(f, { force: true })));
  }

  private async cleanupFailedCreate(t: TaskCreateOptions, cgroupsPath: string | undefined): Promise<void> {
    const conmonPid = await readPidFile(path.join(t.bundleDir, 'conmon.pid'));
    if (await pidAlive(conmonPid, 'conmon')) {
      try { process.kill(conmonPid, 'SIGKILL'); } catch { /* raced with its exit */ }
    }
    await this.runc.delete(t.id, { force: true }).catch(() => undefined);
    if (cgroupsPath) await removeCgroupDirs(cgroupsPath, this.opts.cgroupParent).catch(() => undefined);
    await this.removeRunFiles(t.id, t.bundleDir).catch(() => undefined);
    this.tasks.delete(t.id);
  }
}

/** OCI wants all five capability sets; the exec spec may give only some. */
function fillCaps(c: Record<string, string[]>): { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] } {
  return {
    bounding: c.bounding ?? [], effective: c.effective ?? [], permitted: c.permitted ?? [],
    inheritable: c.inheritable ?? [], ambient: c.ambient ?? [],
  };
}

async function readBundleCgroupsPath(bundleDir: string): Promise<string | undefined> {
  try {
    const spec = JSON.parse(await fs.readFile(path.join(bundleDir, 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
    return spec.linux?.cgroupsPath;
  } catch {
    return undefined;
  }
}

/** runc 1.x keeps `config.labels: ["bundle=…"]` and `config.cgroups.path` in its state file. */
async function readRuncStateFile(runcRoot: string, id: string): Promise<TaskInfo | undefined> {
  try {
    const st = JSON.parse(await fs.readFile(path.join(runcRoot, id, 'state.json'), 'utf8')) as {
      config?: { labels?: string[]; cgroups?: { path?: string } };
    };
    const bundle = st.config?.labels?.find((l) => l.startsWith('bundle='))?.slice('bundle='.length);
    return bundle ? { bundleDir: bundle, cgroupsPath: st.config?.cgroups?.path } : undefined;
  } catch {
    return undefined;
  }
}

async function readPidFile(file: string): Promise<number> {
  try {
    const n = Number.parseInt(await fs.readFile(file, 'utf8'), 10);
    return Number.isFinite(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Alive and (when /proc tells) still the program we expect, not a recycled pid. */
async function pidAlive(pid: number, comm: string): Promise<boolean> {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state …": a zombie has exited already.
    const m = /^\d+ \((.*)\) (\S)/s.exec(stat);
    return !m || (m[1] === comm && m[2] !== 'Z');
  } catch {
    return true;
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

