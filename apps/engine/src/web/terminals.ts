/**
 * @module web/terminals
 * Server-side terminal sessions. A session owns one TTY stream — `attach` (the container's own
 * TTY, ContainerService.attach) or `exec` (a new TTY process, ExecService) — a 256 KiB scrollback
 * ring and a set of watchers (WebSockets on /tty). It outlives browser disconnects: with no
 * watcher for `idleMs` it closes. A session ends when its process ends (watchers get
 * {"type":"exit"}), when an admin closes it, or when the login session that opened it is
 * revoked (watchers get {"type":"revoked"}). Viewers watch read-only. Output passes the OSC 52
 * filter before it is stored or sent (T42).
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { AttachSession, EngineServices, Logger } from '@berth/runtime';
import { errors } from '@berth/runtime';
import type { Role, TerminalInfo, TerminalMode, TerminalOpenRequest, TerminalPort } from '@berth/api';
import { Osc52Filter } from './osc-filter.js';
import { Scrollback } from './scrollback.js';

interface Watcher { ws: WebSocket; role: Role; authSessionId: string }

/** A watcher this far behind is dropped rather than buffering without bound. */
const MAX_BUFFERED = 8 * 1024 * 1024;
const FRAME = 64 * 1024;
/** An ended session stays listable (and its scrollback readable) this long. */
const KEEP_EXITED_MS = 5 * 60_000;

class TerminalSession {
  readonly watchers = new Set<Watcher>();
  readonly ring = new Scrollback();
  readonly filter = new Osc52Filter();
  readonly createdAt = new Date().toISOString();
  exited = false;
  exitCode: number | null = null;
  closed = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string, readonly containerId: string, readonly mode: TerminalMode,
    readonly createdBy: string, readonly authSessionId: string,
    readonly io: AttachSession, readonly execId: string | undefined,
  ) {}

  info(): TerminalInfo {
    return { sessionId: this.id, containerId: this.containerId, mode: this.mode, createdBy: this.createdBy,
      createdAt: this.createdAt, watchers: this.watchers.size, exited: this.exited, exitCode: this.exitCode };
  }
}

const text = (ws: WebSocket, msg: object) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg)); };

export class TerminalManager implements TerminalPort {
  private readonly sessions = new Map<string, TerminalSession>();

  constructor(
    private readonly services: EngineServices, private readonly logger: Logger, private readonly idleMs: number,
    /** How an exec's process is hung up when its terminal closes (tests with fake pids pass a no-op). */
    private readonly hangup: (pid: number) => void = (pid) => process.kill(pid, 'SIGHUP'),
  ) {}

  async open(owner: { username: string; authSessionId: string }, req: TerminalOpenRequest): Promise<{ sessionId: string }> {
    const c = await this.services.containers.inspect(req.containerId);
    if (c.state.status !== 'running') throw errors.conflict(`Container ${c.id} is not running`);
    const size = req.cols && req.rows ? { rows: req.rows, cols: req.cols } : undefined;
    let io: AttachSession;
    let execId: string | undefined;
    if (req.mode === 'attach') {
      if (!c.config.tty) throw errors.precondition('the container has no TTY: open an exec terminal instead');
      io = await this.services.containers.attach(c.id, { stdin: true, stdout: true, stderr: true, stream: true });
      if (size) await this.services.containers.resize(c.id, size).catch(() => undefined);
    } else {
      const consoleSize: [number, number] | undefined = size ? [size.rows, size.cols] : undefined;
      ({ id: execId } = await this.services.exec.create(c.id, {
        cmd: req.cmd ?? ['sh'], tty: true, attachStdin: true, attachStdout: true, attachStderr: true,
        env: ['TERM=xterm-256color'], ...(req.user ? { user: req.user } : {}), ...(consoleSize ? { consoleSize } : {}),
      }));
      const s = await this.services.exec.start(execId, { detach: false, tty: true, ...(consoleSize ? { consoleSize } : {}) });
      if (!s) throw errors.internal('exec start returned no session', undefined);
      io = s;
    }
    const t = new TerminalSession(randomBytes(18).toString('base64url'), c.id, req.mode, owner.username, owner.authSessionId, io, execId);
    this.sessions.set(t.id, t);
    this.armIdle(t);
    void this.pump(t);
    this.logger.info('terminal opened', { session: t.id, container: c.id, mode: req.mode, by: owner.username });
    return { sessionId: t.id };
  }

  list(): TerminalInfo[] { return [...this.sessions.values()].map((t) => t.info()); }

  has(id: string): boolean { return this.sessions.has(id); }

  close(id: string): boolean {
    const t = this.sessions.get(id);
    if (!t) return false;
    this.end(t, { type: 'closed' });
    return true;
  }

  /** Logout / user removal: that login's terminals end, and its watchers everywhere are cut. */
  revokeAuthSession(authSessionId: string): void {
    for (const t of [...this.sessions.values()]) {
      if (t.authSessionId === authSessionId) { this.end(t, { type: 'revoked' }); continue; }
      for (const w of [...t.watchers]) if (w.authSessionId === authSessionId) { text(w.ws, { type: 'revoked' }); w.ws.close(4401, 'revoked'); }
    }
  }

  /** A /tty WebSocket joins session `id` (already authenticated and Origin-checked). */
  watch(id: string, ws: WebSocket, who: { role: Role; authSessionId: string }): void {
    const t = this.sessions.get(id);
    if (!t) { text(ws, { type: 'error', message: 'no such terminal session' }); ws.close(4404, 'no such session'); return; }
    const w: Watcher = { ws, role: who.role, authSessionId: who.authSessionId };
    const snap = t.ring.snapshot();
    for (let i = 0; i < snap.length; i += FRAME) ws.send(snap.subarray(i, i + FRAME), { binary: true });
    if (t.exited || t.closed) { text(ws, { type: 'exit', code: t.exitCode }); ws.close(1000); return; }
    t.watchers.add(w);
    if (t.timer) { clearTimeout(t.timer); t.timer = undefined; }
    ws.on('message', (data, isBinary) => this.onMessage(t, w, data as Buffer, isBinary));
    ws.on('close', () => { t.watchers.delete(w); if (t.watchers.size === 0 && !t.closed) this.armIdle(t); });
    ws.on('error', () => undefined);
  }

  shutdown(): void { for (const t of [...this.sessions.values()]) this.end(t, { type: 'closed' }); }

  private onMessage(t: TerminalSession, w: Watcher, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (isBinary) {
      if (w.role !== 'admin') { text(w.ws, { type: 'error', message: 'read-only' }); return; }
      if (!t.exited) t.io.writeStdin(buf);
      return;
    }
    let msg: { type?: unknown; cols?: unknown; rows?: unknown };
    try { msg = JSON.parse(buf.toString('utf8')) as typeof msg; } catch { text(w.ws, { type: 'error', message: 'bad message' }); return; }
    if (msg.type !== 'resize') { text(w.ws, { type: 'error', message: 'unknown message' }); return; }
    if (w.role !== 'admin') { text(w.ws, { type: 'error', message: 'read-only' }); return; }
    const cols = Number(msg.cols), rows = Number(msg.rows);
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 1000 || rows > 1000) {
      text(w.ws, { type: 'error', message: 'bad size' }); return;
    }
    const p = t.execId ? this.services.exec.resize(t.execId, { rows, cols }) : this.services.containers.resize(t.containerId, { rows, cols });
    p.catch((err: unknown) => this.logger.debug('terminal resize failed', { session: t.id, err }));
  }

  private async pump(t: TerminalSession): Promise<void> {
    try {
      for await (const chunk of t.io.output) {
        const out = t.filter.push(chunk.data);
        if (out.length === 0) continue;
        t.ring.push(out);
        for (const w of t.watchers) {
          if (w.ws.readyState !== w.ws.OPEN) continue;
          if (w.ws.bufferedAmount > MAX_BUFFERED) { w.ws.close(1013, 'too slow'); continue; }
          w.ws.send(out, { binary: true });
        }
      }
    } catch (err) {
      this.logger.debug('terminal output ended with an error', { session: t.id, err });
    }
    if (t.closed) return;
    t.exited = true;
    t.exitCode = await this.exitCode(t);
    for (const w of t.watchers) { text(w.ws, { type: 'exit', code: t.exitCode }); w.ws.close(1000); }
    t.watchers.clear();
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => this.sessions.delete(t.id), KEEP_EXITED_MS);
    t.timer.unref();
  }

  private async exitCode(t: TerminalSession): Promise<number | null> {
    try {
      if (t.execId) {
        // The exit file may land a moment after the stream closes.
        for (let i = 0; i < 20; i++) {
          const d = await this.services.exec.inspect(t.execId);
          if (!d.running && d.exitCode !== null) return d.exitCode;
          await new Promise((r) => setTimeout(r, 50));
        }
        return null;
      }
      // The attach stream closes a moment before the engine records the exit.
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 5000);
      try {
        const { done } = await this.services.containers.wait(t.containerId, 'not-running', { signal: ac.signal });
        return (await done).exitCode;
      } finally { clearTimeout(timer); }
    } catch { return null; }
  }

  private armIdle(t: TerminalSession): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => { this.logger.info('terminal idle, closing', { session: t.id }); this.end(t, { type: 'closed', reason: 'idle' }); }, this.idleMs);
    t.timer.unref();
  }

  private end(t: TerminalSession, msg: { type: 'closed' | 'revoked'; reason?: string }): void {
    if (t.timer) clearTimeout(t.timer);
    this.sessions.delete(t.id);
    if (t.closed) return;
    t.closed = true;
    for (const w of t.watchers) { text(w.ws, msg); w.ws.close(msg.type === 'revoked' ? 4401 : 1000, msg.type); }
    t.watchers.clear();
    if (t.exited) return;
    if (t.execId) {
      // Like closing a terminal window: the exec's process group gets SIGHUP, then its stdin ends.
      void this.services.exec.inspect(t.execId).then((d) => { if (d.running && d.pid > 0) this.hangup(d.pid); }).catch(() => undefined);
      t.io.closeStdin();
    }
    t.io.detach();
  }
}
