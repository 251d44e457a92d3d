/**
 * @module system/system-service
 * Host and engine facts for `docker version` / `docker info`.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { SystemInfo, SystemService } from '../services.js';
import type { ContainerRepository } from '../metadata/container-repository.js';
import { runcIdentity, runcWarnings } from './runc-advisory.js';

export const ENGINE_VERSION = '0.1.0';

export interface SystemDeps {
  repo: ContainerRepository;
  imageCount: () => Promise<number>;
  dataRoot: string;
  execRoot: string;
  engineId: string;
  runtimeVersion: string;
  pidsLimit: number;
}

export class LocalSystemService implements SystemService {
  constructor(private readonly deps: SystemDeps) {}

  async info(): Promise<SystemInfo> {
    const recs = this.deps.repo.all();
    const count = (s: string[]) => recs.filter((r) => s.includes(r.state.status)).length;
    const runc = await runcIdentity();
    return {
      id: this.deps.engineId,
      containers: recs.length,
      containersRunning: count(['running', 'starting', 'stopping']),
      containersPaused: count(['paused']),
      containersStopped: count(['created', 'exited', 'dead', 'removing', 'restarting']),
      images: await this.deps.imageCount(),
      driver: 'overlay2',
      dataRoot: this.deps.dataRoot,
      execRoot: this.deps.execRoot,
      kernelVersion: os.release(),
      operatingSystem: osPrettyName(),
      osType: 'linux',
      architecture: os.machine(),
      ncpu: os.cpus().length,
      memTotal: os.totalmem(),
      name: os.hostname(),
      serverVersion: ENGINE_VERSION,
      cgroupDriver: 'cgroupfs',
      cgroupVersion: '1',
      runtimeVersion: this.deps.runtimeVersion,
      securityOptions: ['name=seccomp,profile=builtin', 'name=no-new-privileges'],
      pidsLimit: this.deps.pidsLimit,
      liveRestoreEnabled: true,
      warnings: runcWarnings(runc),
      ...(runc.commit ? { runtimeCommit: runc.commit } : {}),
    };
  }

  version() {
    return {
      version: ENGINE_VERSION, gitCommit: 'berth', goVersion: `node${process.versions.node}`, os: 'linux',
      arch: process.arch === 'x64' ? 'amd64' : process.arch, kernelVersion: os.release(), buildTime: '',
    };
  }
}

function osPrettyName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
