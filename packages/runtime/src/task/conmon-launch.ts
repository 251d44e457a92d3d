/**
 * @module task/conmon-launch
 * Spawns one conmon for a container, Podman-style (double-fork mode, no --sync), and speaks its
 * start/sync pipe protocol:
 *   spawn (fd 3 = sync pipe, fd 4 = start pipe; both Node 'pipe' socketpairs)
 *   → conmon blocks reading the start pipe → we may move it into the monitor cgroup
 *   → write one byte → conmon forks (the launcher writes conmon.pid and exits), runs `runc create`
 *   → sync pipe: `{"data": <init pid>}` or `{"data": -1, "message": "<runc stderr>"}`.
 * After that the pipes are destroyed, or Node would never exit (conmon keeps fd 3 until it dies).
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TaskCreateOptions } from './task-manager.js';
import { moveToCgroup } from './cgroups.js';
import { runcMessage } from './runc.js';

export interface ConmonLaunchConfig {
  conmonPath: string;
  runcPath: string;
  runcRoot: string;
  exitDir: string;
  socketDir: string;
  logLevel?: string;
  /** Absolute cgroup path conmon is moved into before it forks (e.g. `/berth/conmon`). */
  monitorCgroup?: string;
  timeoutMs?: number;
}

export type LaunchResult =
  | { ok: true; pid: number; warnings: string[] }
  | { ok: false; message: string };

/** conmon's argv for a container (see notes §1 for what each flag does). */
export function conmonArgs(cfg: ConmonLaunchConfig, t: TaskCreateOptions, persistDir: string): string[] {
  const b = t.bundleDir;
  const args = [
    '--api-version', '1', '-c', t.id, '-u', t.id, '-n', t.name, '-r', cfg.runcPath, '-b', b,
    '-p', `${b}/pidfile`, '-P', `${b}/conmon.pid`, '-l', `k8s-file:${t.logPath}`,
    '--exit-dir', cfg.exitDir, '--persist-dir', persistDir, '--socket-dir-path', cfg.socketDir, '--full-attach',
    '--runtime-arg', '--root', '--runtime-arg', cfg.runcRoot,
  ];
  if (t.stdin) args.push('-i');
  if (t.tty) args.push('-t');
  if (!t.stdinOnce) args.push('--leave-stdin-open');
  if (cfg.logLevel) args.push('--log-level', cfg.logLevel);
  return args;
}

export function launchConmon(cfg: ConmonLaunchConfig, t: TaskCreateOptions, persistDir: string): Promise<LaunchResult> {
  const child = spawn(cfg.conmonPath, conmonArgs(cfg, t, persistDir), {
    cwd: t.bundleDir, // conmon writes its `oom` file relative to its cwd
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
  });
  const stderr = child.stdio[2] as Readable;
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const warnings: string[] = [];

  return new Promise<LaunchResult>((resolve) => {
    let settled = false;
    let errText = '';
    let syncText = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, message: `conmon did not report within ${cfg.timeoutMs ?? 30_000} ms` });
    }, cfg.timeoutMs ?? 30_000);

    function finish(r: LaunchResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of [stderr, sync, start]) s.destroy();
      child.unref();
      resolve(r);
    }
    function onSyncLine(line: string): void {
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        finish({ ok: false, message: `conmon sent an unreadable sync message: ${line}` });
        return;
      }
      if (typeof msg.data === 'number' && msg.data > 0) finish({ ok: true, pid: msg.data, warnings });
      else finish({ ok: false, message: runcMessage(msg.message ?? '') || `conmon reported ${msg.data}` });
    }

    stderr.on('data', (d: Buffer) => { if (errText.length < 8192) errText += d.toString('utf8'); });
    stderr.on('error', () => undefined);
    start.on('error', () => undefined);
    sync.on('error', () => undefined);
    sync.on('data', (d: Buffer) => {
      syncText += d.toString('utf8');
      const nl = syncText.indexOf('\n');
      if (nl >= 0) onSyncLine(syncText.slice(0, nl));
    });
    // EOF on the sync pipe = every conmon process is gone without a report.
    sync.on('close', () => {
      if (syncText.trim()) onSyncLine(syncText.trim());
      // stderr may still be draining; give it a moment so the message carries conmon's reason.
      else setTimeout(() => finish({ ok: false, message: `conmon exited early: ${errText.trim() || 'no message'}` }), 20);
    });
    child.on('error', (err) => finish({ ok: false, message: `cannot run conmon: ${err.message}` }));

    void (async () => {
      if (cfg.monitorCgroup && child.pid) {
        const problems = await moveToCgroup(child.pid, cfg.monitorCgroup);
        warnings.push(...problems);
      }
      if (!settled) start.write('s');
    })();
  });
}

/** Docker answers 400 when the container's binary is missing or not executable. */
export function isUserError(message: string): boolean {
  return /no such file or directory|executable file not found|permission denied/i.test(message);
}
