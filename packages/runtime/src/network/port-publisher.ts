/**
 * @module network/port-publisher
 * Published ports (`-p`, `-P`) as kernel DNAT, without a userland proxy.
 *
 * Host side, once (`init`): chain `BERTH-<br>-DNAT` in nat, jumped from PREROUTING (traffic from
 * outside) and OUTPUT (the host itself) with `-m addrtype --dst-type LOCAL`, and
 * `route_localnet=1` on the bridge so 127.0.0.1 can be DNATed onto it (the matching MASQUERADE
 * rules live in the bridge's NAT chain, see iptables.ts).
 *
 * Per container: `publish` reserves host ports (in memory, against this daemon's other containers,
 * and by test-binding them, against host processes), then rewrites the whole DNAT chain from the
 * in-memory table in one `iptables-restore --noflush`; `unpublish` drops the entry and rewrites.
 * After a daemon restart `restore` rebuilds the table from the records of running containers, so
 * the chain never holds duplicates or rules of containers that died meanwhile.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { promises as fs } from 'node:fs';
import { errors, isEngineError, type EngineError } from '../errors/engine-error.js';
import { CommandError, run } from '../util/exec-file.js';
import { Mutex } from '../util/mutex.js';
import { deleteChain, deleteRule, ensureRule } from './iptables.js';
import {
  dnatRules, fromBindingMap, overlaps, portRequests, toBindingMap,
  type DnatEntry, type PortBindingMap, type PortMapping, type PortProto, type PortRequest,
} from './port-specs.js';

export interface PublishRequest {
  containerId: string;
  /** For error messages (Docker names the endpoint). */
  name: string;
  containerIp: string;
  portBindings: PortBindingMap;
  exposedPorts: Record<string, unknown>;
  publishAll: boolean;
}

export interface PortPublisher {
  /** Idempotent host setup (chain, jumps, sysctl). The bridge must exist. */
  init(): Promise<void>;
  /** Reserves and programs the container's ports; returns what was assigned ({} if nothing). */
  publish(req: PublishRequest): Promise<PortBindingMap>;
  /** Removes the container's rules and frees its ports. Idempotent. */
  unpublish(containerId: string): Promise<void>;
  /** Replaces the whole table (daemon start) with these containers' already assigned ports. */
  restore(entries: { containerId: string; containerIp: string; ports: PortBindingMap }[]): Promise<void>;
}

/** Tests pass fakes; the default probes by binding a real socket. */
export type PortProbe = (proto: PortProto, hostIp: string, port: number) => Promise<number>;

export interface IptablesPortPublisherOptions {
  bridgeName: string;
  probe?: PortProbe;
  /** Runs the iptables-restore input; default spawns `iptables-restore -w --noflush`. */
  apply?: (rules: string) => Promise<void>;
  /** Forgets the UDP flows of unpublished ports; default `conntrack -D` (skipped when not installed). */
  flushUdp?: (containerIp: string, mappings: readonly PortMapping[]) => Promise<void>;
}

const RANDOM_TRIES = 32;

export class IptablesPortPublisher implements PortPublisher {
  readonly chain: string;
  private readonly comment: string;
  private readonly table = new Map<string, DnatEntry>();
  private readonly lock = new Mutex();
  private readonly probe: PortProbe;
  private readonly apply: (rules: string) => Promise<void>;
  private readonly flushUdp: (containerIp: string, mappings: readonly PortMapping[]) => Promise<void>;

  constructor(private readonly opts: IptablesPortPublisherOptions) {
    this.chain = `BERTH-${opts.bridgeName}-DNAT`;
    this.comment = `berth:${opts.bridgeName}`;
    this.probe = opts.probe ?? probeBind;
    this.apply = opts.apply ?? (async (rules) => { await run('iptables-restore', ['-w', '--noflush'], { input: rules }); });
    this.flushUdp = opts.flushUdp ?? flushUdpConntrack;
  }

  private jumps(): string[][] {
    const j = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', this.comment, '-j', this.chain];
    return [['PREROUTING', ...j], ['OUTPUT', ...j]];
  }

  async init(): Promise<void> {
    await this.lock.run(async () => {
      try {
        await fs.writeFile(`/proc/sys/net/ipv4/conf/${this.opts.bridgeName}/route_localnet`, '1');
        await this.apply(this.rules());
        for (const j of this.jumps()) await ensureRule('nat', j);
      } catch (err) {
        throw wrap('cannot set up published ports', err);
      }
    });
  }

  publish(req: PublishRequest): Promise<PortBindingMap> {
    const wanted = portRequests(req.portBindings, req.exposedPorts, req.publishAll);
    return this.lock.run(async () => {
      const hadEntry = this.table.delete(req.containerId);
      if (wanted.length === 0) {
        if (hadEntry) await this.write();
        return {};
      }
      const mappings: PortMapping[] = [];
      for (const w of wanted) mappings.push(await this.allocate(w, mappings, req));
      this.table.set(req.containerId, { containerIp: req.containerIp, mappings });
      try {
        await this.write();
      } catch (err) {
        this.table.delete(req.containerId);
        await this.write().catch(() => undefined);
        throw wrap('cannot program published ports', err);
      }
      return toBindingMap(mappings);
    });
  }

  unpublish(containerId: string): Promise<void> {
    return this.lock.run(async () => {
      const gone = this.table.get(containerId);
      if (!gone || !this.table.delete(containerId)) return;
      await this.write().catch((err) => { throw wrap('cannot remove published ports', err); });
      // A UDP flow keeps its conntrack entry (and so its DNAT to this address) while packets keep
      // coming: without a flush, the next container on this host port would not get them.
      const udp = gone.mappings.filter((m) => m.proto === 'udp');
      if (udp.length) await this.flushUdp(gone.containerIp, udp).catch(() => undefined);
    });
  }

  restore(entries: { containerId: string; containerIp: string; ports: PortBindingMap }[]): Promise<void> {
    return this.lock.run(async () => {
      this.table.clear();
      for (const e of entries) {
        const mappings = fromBindingMap(e.ports);
        if (e.containerIp && mappings.length) this.table.set(e.containerId, { containerIp: e.containerIp, mappings });
      }
      await this.write().catch((err) => { throw wrap('cannot restore published ports', err); });
    });
  }

  /** Test helper: removes the jumps and the chain. */
  async destroy(): Promise<void> {
    await this.lock.run(async () => {
      this.table.clear();
      for (const j of this.jumps()) await deleteRule('nat', j);
      await deleteChain('nat', this.chain);
    });
  }

  /** The rules currently programmed (for tests and debugging). */
  rules(): string {
    return dnatRules(this.chain, this.comment, this.table.values());
  }

  private write(): Promise<void> {
    return this.apply(this.rules());
  }

  private taken(m: { proto: string; hostIp: string; hostPort: number }, pending: readonly PortMapping[]): boolean {
    if (pending.some((p) => overlaps(p, m))) return true;
    for (const e of this.table.values()) if (e.mappings.some((p) => overlaps(p, m))) return true;
    return false;
  }

  private async allocate(w: PortRequest, pending: readonly PortMapping[], req: PublishRequest): Promise<PortMapping> {
    const { proto, hostIp, containerPort } = w;
    const [lo, hi] = w.hostPorts;
    const fail = (msg: string): EngineError =>
      errors.conflict(`driver failed programming external connectivity on endpoint ${req.name} (${req.containerId.slice(0, 12)}): ${msg}`);
    if (lo === 0) {
      // The kernel picks a port nobody has bound; retry if it is one this daemon already handed out.
      for (let i = 0; i < RANDOM_TRIES; i++) {
        const port = await this.probeOrFail(proto, hostIp, 0, w, req, fail);
        if (!this.taken({ proto, hostIp, hostPort: port }, pending)) return { containerPort, proto, hostIp, hostPort: port };
      }
      throw fail(`no free host port for ${hostIp}::${containerPort}/${proto}`);
    }
    let lastErr: EngineError | undefined;
    for (let port = lo; port <= hi; port++) {
      const m = { containerPort, proto, hostIp, hostPort: port };
      if (this.taken(m, pending)) {
        lastErr = fail(`Bind for ${hostIp}:${port} failed: port is already allocated`);
        continue;
      }
      try {
        await this.probeOrFail(proto, hostIp, port, w, req, fail);
        return m;
      } catch (err) {
        lastErr = err as EngineError;
      }
    }
    throw lastErr ?? fail(`no free host port in ${lo}-${hi}`);
  }

  private async probeOrFail(
    proto: PortProto, hostIp: string, port: number, w: PortRequest, req: PublishRequest, fail: (m: string) => EngineError,
  ): Promise<number> {
    try {
      return await this.probe(proto, hostIp, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const what = `failed to bind host port for ${hostIp}:${port}:${req.containerIp}:${w.containerPort}/${proto}`;
      if (code === 'EADDRINUSE') throw fail(`${what}: address already in use`);
      if (code === 'EADDRNOTAVAIL') throw errors.invalid(`${what}: cannot assign requested address`);
      throw errors.internal(`${what}: ${(err as Error).message}`, err);
    }
  }
}

/** Binds (and at once releases) hostIp:port; resolves to the bound port (the kernel's pick for 0). */
export function probeBind(proto: PortProto, hostIp: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', (err) => { try { s.close(); } catch { /* never bound */ } reject(err); });
      s.bind({ address: hostIp, port, exclusive: true }, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: hostIp, port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      srv.close(() => resolve(p));
    });
  });
}

/** `conntrack -D` per unpublished UDP port; exit 1 means "no such flow", a missing binary is fine. */
export async function flushUdpConntrack(containerIp: string, mappings: readonly PortMapping[]): Promise<void> {
  for (const m of mappings) {
    try {
      await run('conntrack', ['-D', '-p', 'udp', '--orig-port-dst', String(m.hostPort), '--reply-src', containerIp], { okCodes: [1] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
  }
}

function wrap(what: string, err: unknown): EngineError {
  if (isEngineError(err)) return err;
  if (err instanceof CommandError) return errors.internal(`${what}: ${err.stderr.trim() || err.message}`, err);
  return errors.internal(`${what}: ${(err as Error).message}`, err);
}
