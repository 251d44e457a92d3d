/**
 * @module docker-api/test-support/fake-containers
 * In-memory ContainerService + ExecService for transport tests. Behaviour that reaches the wire
 * (status codes, Docker wording, 304 no-ops, wait/attach ordering) mirrors the real services by
 * reusing `decide()`; everything else is as small as possible.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { CommitOptions, ContainerChange, ContainerStats, CpuReading, ResourceUpdate, StatsOptions } from '@berth/runtime';
import {
  decide, errors, type AttachOptions, type AttachSession, type ContainerCreateSpec, type ContainerDetail,
  type ContainerFilter, type ContainerService, type ContainerTop, type ContainerStatus, type ExecCreateSpec, type ExecDetail, type ExecService,
  type LogEntry, type LogOptions, type OpResult, type OutputChunk, type RestartPolicy, type WaitCondition, type WaitResult,
} from '@berth/runtime';
import { FakeProcess, signalNumber } from './fake-process.js';
import { AsyncQueue as Queue } from '@berth/runtime';

const hex = () => randomBytes(32).toString('hex');

export class FakeSession implements AttachSession {
  readonly output = new Queue<OutputChunk>();
  readonly stdinWritten: Buffer[] = [];
  detached = false;
  constructor(readonly tty: boolean, private readonly want: AttachOptions, private readonly stdin: () => Queue<Buffer> | undefined,
    private readonly onDetach: (s: FakeSession) => void) {}
  deliver(c: OutputChunk): void {
    if (c.stream === 'stdout' ? this.want.stdout : this.want.stderr) this.output.push(c);
  }
  writeStdin(data: Buffer): void {
    if (!this.want.stdin || this.detached) return;
    this.stdinWritten.push(data);
    this.stdin()?.push(data);
  }
  closeStdin(): void {
    if (this.want.stdin) this.stdin()?.end();
  }
  detach(): void {
    this.detached = true;
    this.output.end();
    this.onDetach(this);
  }
}

interface Entry {
  rec: ContainerDetail;
  stdin: Queue<Buffer>;
  proc?: FakeProcess;
  sessions: Set<FakeSession>;
  log: LogEntry[];
  logFollowers: Set<Queue<LogEntry>>;
  exitWaiters: Set<(r: WaitResult) => void>;
  removeWaiters: Set<(r: WaitResult) => void>;
}

export class FakeContainers implements ContainerService {
  readonly entries = new Map<string, Entry>();
  /** Every call as `method:arg`, for asserting what the transport asked for. */
  readonly calls: string[] = [];

  constructor(private readonly imageExists: (ref: string) => string | undefined) {}

  resolve(ref: string): Entry {
    const byId = this.entries.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^\//, '');
    for (const e of this.entries.values()) if (e.rec.name === name) return e;
    const matches = [...this.entries.values()].filter((e) => ref.length >= 1 && e.rec.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    throw errors.notFound('container', ref);
  }

  private setStatus(e: Entry, status: ContainerStatus): void {
    e.rec.state.status = status;
  }

  async create(spec: ContainerCreateSpec): Promise<{ id: string; warnings: string[] }> {
    this.calls.push(`create:${JSON.stringify(spec)}`);
    const imageId = this.imageExists(spec.config.image);
    if (!imageId) throw errors.notFound('image', spec.config.image);
    const id = hex();
    const name = spec.name ?? `fake_${id.slice(0, 6)}`;
    if ([...this.entries.values()].some((e) => e.rec.name === name)) {
      throw errors.conflict(`Conflict. The container name "/${name}" is already in use by container "x". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const c = spec.config;
    const argv = [...(c.entrypoint ?? []), ...(c.cmd ?? ['sleep'])];
    const rec: ContainerDetail = {
      id, name, created: new Date().toISOString(), path: argv[0]!, args: argv.slice(1), image: imageId,
      config: {
        hostname: id.slice(0, 12), domainname: '', user: c.user ?? '', attachStdin: !!c.attachStdin, attachStdout: !!c.attachStdout,
        attachStderr: !!c.attachStderr, exposedPorts: c.exposedPorts ?? {}, tty: !!c.tty, openStdin: !!c.openStdin,
        stdinOnce: !!c.stdinOnce, env: c.env ?? [], cmd: c.cmd ?? null, entrypoint: c.entrypoint ?? null, image: c.image,
        volumes: c.volumes ?? {}, workingDir: c.workingDir ?? '', labels: c.labels ?? {},
      },
      hostConfig: {
        autoRemove: !!spec.hostConfig.autoRemove, restartPolicy: spec.hostConfig.restartPolicy ?? { name: 'no', maximumRetryCount: 0 },
        networkMode: spec.hostConfig.networkMode ?? 'bridge', binds: spec.hostConfig.binds ?? [], portBindings: spec.hostConfig.portBindings ?? {},
        privileged: false, readonlyRootfs: false, capAdd: [], capDrop: [], securityOpt: [], memory: 0, memorySwap: 0, nanoCpus: 0,
        cpuShares: 0, pidsLimit: null, consoleSize: [0, 0], init: false, logConfig: { type: 'k8s-file', config: {} }, extraHosts: [], dns: [],
      },
      state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: null, finishedAt: null, oomKilled: false, restartCount: 0 },
      snapshotKey: id, logPath: `/fake/${id}.log`, generation: 0,
      graphDriver: { name: 'overlay2', data: { UpperDir: `/fake/${id}/upper` } },
      resolvConfPath: `/fake/${id}/resolv.conf`, hostnamePath: `/fake/${id}/hostname`, hostsPath: `/fake/${id}/hosts`,
    };
    this.entries.set(id, { rec, stdin: new Queue(), sessions: new Set(), log: [], logFollowers: new Set(), exitWaiters: new Set(), removeWaiters: new Set() });
    return { id, warnings: (spec.ignored ?? []).map((f) => `${f} is not supported by Berth and was ignored`) };
  }

  private output(e: Entry, chunk: OutputChunk): void {
    const entry: LogEntry = { stream: chunk.stream, time: new Date().toISOString().replace('Z', '000000Z'), data: chunk.data };
    e.log.push(entry);
    for (const f of e.logFollowers) f.push(entry);
    for (const s of e.sessions) s.deliver(chunk);
  }

  private exited(e: Entry, code: number): void {
    Object.assign(e.rec.state, { status: 'exited', exitCode: code, pid: 0, finishedAt: new Date().toISOString() });
    e.proc = undefined;
    // A restart gets a fresh stdin; stdin closed before the first start must stay closed.
    e.stdin = new Queue();
    for (const s of [...e.sessions]) s.output.end();
    e.sessions.clear();
    for (const f of e.logFollowers) f.end();
    for (const w of e.exitWaiters) w({ exitCode: code });
    e.exitWaiters.clear();
    if (e.rec.hostConfig.autoRemove) this.drop(e);
  }

  private drop(e: Entry): void {
    this.entries.delete(e.rec.id);
    for (const w of e.removeWaiters) w({ exitCode: e.rec.state.exitCode });
  }

  async start(ref: string): Promise<OpResult> {
    const e = this.resolve(ref);
    const v = decide('start', e.rec.state.status, { name: e.rec.name });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    if (v.kind === 'noop') return { changed: false };
    const proc = new FakeProcess(e.stdin, (c) => this.output(e, c));
    e.proc = proc;
    Object.assign(e.rec.state, { status: 'running', pid: proc.pid, startedAt: new Date().toISOString(), finishedAt: null });
    void proc.run([e.rec.path, ...e.rec.args]).then((code) => this.exited(e, code));
    return { changed: true };
  }

  async stop(ref: string, opts: { timeoutSec?: number; signal?: string } = {}): Promise<OpResult> {
    this.calls.push(`stop:${ref}:${opts.timeoutSec ?? ''}:${opts.signal ?? ''}`);
    const e = this.resolve(ref);
    const v = decide('stop', e.rec.state.status, { name: e.rec.name });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    if (v.kind === 'noop') return { changed: false };
    const done = new Promise<void>((r) => e.exitWaiters.add(() => r()));
    e.proc?.kill(signalNumber(opts.signal, 15));
    await done;
    return { changed: true };
  }

  async restart(ref: string, opts: { timeoutSec?: number; signal?: string } = {}): Promise<void> {
    await this.stop(ref, opts);
    await this.start(ref);
  }

  async kill(ref: string, signal?: string): Promise<void> {
    this.calls.push(`kill:${ref}:${signal ?? ''}`);
    const e = this.resolve(ref);
    const v = decide('kill', e.rec.state.status, { name: e.rec.name });
    if (v.kind !== 'proceed') throw errors.conflict(v.reason);
    const n = signalNumber(signal, 9);
    const done = new Promise<void>((r) => e.exitWaiters.add(() => r()));
    e.proc?.kill(n);
    await done;
  }

  async pause(ref: string): Promise<void> {
    const e = this.resolve(ref);
    const v = decide('pause', e.rec.state.status, { name: e.rec.name });
    if (v.kind !== 'proceed') throw errors.conflict(v.reason);
    this.setStatus(e, 'paused');
  }

  async unpause(ref: string): Promise<void> {
    const e = this.resolve(ref);
    const v = decide('unpause', e.rec.state.status, { name: e.rec.name });
    if (v.kind !== 'proceed') throw errors.conflict(v.reason);
    this.setStatus(e, 'running');
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const e = this.resolve(ref);
    const v = decide('remove', e.rec.state.status, { name: e.rec.name, force: opts.force });
    if (v.kind !== 'proceed') throw errors.conflict(v.reason);
    if (e.proc) {
      const done = new Promise<void>((r) => e.exitWaiters.add(() => r()));
      e.proc.kill(9);
      await done;
    }
    if (this.entries.has(e.rec.id)) this.drop(e);
  }

  async rename(ref: string, newName: string): Promise<void> {
    this.resolve(ref).rec.name = newName;
  }

  async update(ref: string, patch: { restartPolicy?: RestartPolicy; resources?: ResourceUpdate }): Promise<{ warnings: string[] }> {
    const rec = this.resolve(ref).rec;
    if (patch.restartPolicy) rec.hostConfig = { ...rec.hostConfig, restartPolicy: patch.restartPolicy };
    if (patch.resources?.memory) rec.hostConfig = { ...rec.hostConfig, memory: patch.resources.memory };
    if (patch.resources?.nanoCpus) rec.hostConfig = { ...rec.hostConfig, nanoCpus: patch.resources.nanoCpus };
    return { warnings: [] };
  }

  async wait(ref: string, cond: WaitCondition, opts: { signal?: AbortSignal } = {}): Promise<{ done: Promise<WaitResult> }> {
    const e = this.resolve(ref);
    const running = e.proc !== undefined;
    if (cond === 'not-running' && !running) return { done: Promise.resolve({ exitCode: e.rec.state.exitCode }) };
    const set = cond === 'removed' ? e.removeWaiters : e.exitWaiters;
    const done = new Promise<WaitResult>((resolve, reject) => {
      set.add(resolve);
      opts.signal?.addEventListener('abort', () => {
        set.delete(resolve);
        reject(Object.assign(new Error('wait aborted'), { name: 'AbortError' }));
      }, { once: true });
    });
    return { done };
  }

  async inspect(ref: string): Promise<ContainerDetail> {
    return structuredClone(this.resolve(ref).rec);
  }

  async list(filter: ContainerFilter = {}): Promise<ContainerDetail[]> {
    this.calls.push(`list:${JSON.stringify(filter)}`);
    return [...this.entries.values()].map((e) => e.rec).filter((r) => filter.all || ['running', 'paused', 'restarting'].includes(r.state.status));
  }

  async logs(ref: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }> {
    const e = this.resolve(ref);
    const want = (x: LogEntry) => (x.stream === 'stdout' ? opts.stdout !== false : opts.stderr !== false);
    let past = e.log.filter(want);
    if (typeof opts.tail === 'number') past = opts.tail === 0 ? [] : past.slice(-opts.tail);
    const follow = opts.follow && e.proc !== undefined ? new Queue<LogEntry>() : undefined;
    if (follow) {
      e.logFollowers.add(follow);
      opts.signal?.addEventListener('abort', () => follow.end(), { once: true });
    }
    async function* entries(): AsyncGenerator<LogEntry> {
      yield* past;
      if (follow) for await (const x of follow) if (want(x)) yield x;
    }
    return { tty: e.rec.config.tty, entries: entries() };
  }

  async attach(ref: string, opts: AttachOptions): Promise<AttachSession> {
    const e = this.resolve(ref);
    const v = decide('attach', e.rec.state.status, { name: e.rec.name });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    const s = new FakeSession(e.rec.config.tty, opts, () => e.stdin, (x) => e.sessions.delete(x));
    if (opts.logs) for (const x of e.log) s.deliver(x);
    if (opts.stream === false) s.output.end();
    else e.sessions.add(s);
    return s;
  }

  async resize(ref: string, size: { rows: number; cols: number }): Promise<void> {
    this.calls.push(`resize:${ref}:${size.rows}x${size.cols}`);
    this.resolve(ref);
  }

  /** One fake `ps -ef` row for the container's main process. */
  async top(ref: string, psArgs?: string): Promise<ContainerTop> {
    this.calls.push(`top:${ref}:${psArgs ?? ''}`);
    const e = this.resolve(ref);
    if (!['running', 'paused'].includes(e.rec.state.status)) throw errors.conflict(`Container ${e.rec.id} is not running`);
    return {
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [['root', String(e.rec.state.pid), '1', '0', '12:00', '?', '00:00:00', [e.rec.config.cmd ?? []].flat().join(' ')]],
    };
  }

  /** Changes a transport test planted with `fakeChanges`; none otherwise. */
  readonly fakeChanges = new Map<string, ContainerChange[]>();

  async changes(ref: string): Promise<ContainerChange[]> {
    this.calls.push(`changes:${ref}`);
    return this.fakeChanges.get(this.resolve(ref).rec.id) ?? [];
  }

  async export(ref: string): Promise<Readable> {
    this.calls.push(`export:${ref}`);
    this.resolve(ref);
    return Readable.from([Buffer.from(`fake-tar:${ref}`)]);
  }

  async commit(ref: string, opts: CommitOptions): Promise<{ id: string }> {
    this.calls.push(`commit:${ref}:${opts.repo ?? ''}:${opts.tag ?? ''}:${opts.pause ?? ''}:${(opts.changes ?? []).join('|')}`);
    this.resolve(ref);
    return { id: `sha256:${hex()}` };
  }

  /** Fake samples: one, or three 0-delay samples when streaming; CPU grows by 1e6 ns per sample. */
  async stats(ref: string, opts: StatsOptions): Promise<AsyncIterable<ContainerStats>> {
    this.calls.push(`stats:${ref}:${opts.stream}:${opts.oneShot ?? false}`);
    const { rec } = this.resolve(ref);
    const cpu = (n: number): CpuReading => ({
      totalUsage: n * 1e6, percpuUsage: [n * 1e6], usageInKernelmode: 0, usageInUsermode: n * 1e6,
      systemCpuUsage: n * 1e7, onlineCpus: 1, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 },
    });
    const sample = (n: number): ContainerStats => ({
      id: rec.id, name: rec.name, read: new Date(n * 1000).toISOString(), preread: new Date((n - 1) * 1000).toISOString(),
      pids: { current: 1, limit: 100 }, blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }] },
      cpu: cpu(n), precpu: cpu(n - 1), memory: { usage: 2048, limit: 1 << 30, stats: { total_inactive_file: 1024 } },
      networks: { eth0: { rxBytes: 1, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 2, txPackets: 2, txErrors: 0, txDropped: 0 } },
    });
    return (async function* () {
      for (let n = 1; n <= (opts.stream ? 3 : 1); n++) {
        if (opts.signal?.aborted) return;
        yield sample(n);
      }
    })();
  }
}

export class FakeExec implements ExecService {
  readonly execs = new Map<string, { detail: ExecDetail; session?: FakeSession }>();

  constructor(private readonly containers: FakeContainers) {}

  async create(ref: string, spec: ExecCreateSpec): Promise<{ id: string }> {
    const e = this.containers.resolve(ref);
    const v = decide('exec', e.rec.state.status, { name: e.rec.name });
    if (v.kind !== 'proceed') throw errors.conflict(v.reason);
    const id = hex();
    this.execs.set(id, { detail: { id, containerId: e.rec.id, running: false, exitCode: null, pid: 0, spec } });
    return { id };
  }

  private get(id: string) {
    const x = this.execs.get(id);
    if (!x) throw errors.notFound('exec instance', id);
    return x;
  }

  async start(id: string, opts: { detach: boolean; tty?: boolean }): Promise<AttachSession | undefined> {
    const x = this.get(id);
    if (x.detail.running || x.detail.exitCode !== null) throw errors.conflict(`Error: Exec command ${id} has already run`);
    const spec = x.detail.spec;
    const stdin = new Queue<Buffer>();
    if (!spec.attachStdin) stdin.end();
    const session = opts.detach ? undefined : new FakeSession(!!(opts.tty ?? spec.tty),
      { stdin: !!spec.attachStdin, stdout: spec.attachStdout !== false, stderr: spec.attachStderr !== false }, () => stdin, () => undefined);
    const proc = new FakeProcess(stdin, (c) => session?.deliver(c));
    x.detail.running = true;
    x.detail.pid = proc.pid;
    void proc.run(spec.cmd).then((code) => {
      Object.assign(x.detail, { running: false, exitCode: code });
      session?.output.end();
    });
    return session;
  }

  async resize(id: string): Promise<void> {
    this.get(id);
  }

  async inspect(id: string): Promise<ExecDetail> {
    return structuredClone(this.get(id).detail);
  }

}
