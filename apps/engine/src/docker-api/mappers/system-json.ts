/**
 * @module docker-api/mappers/system-json
 * `GET /version` and `GET /info` bodies (moby api/types/system). The facts come from
 * SystemService; this file only adds the constant parts of Docker's shape (swarm inactive,
 * plugin lists, registry config) that clients such as `docker info` and compose read.
 */
import type { SystemInfo, SystemService } from '@berth/runtime';
import { API_VERSION, MIN_API_VERSION } from '../http/version.js';

type VersionFacts = ReturnType<SystemService['version']>;

export function toDockerVersion(v: VersionFacts): Record<string, unknown> {
  return {
    Platform: { Name: 'Berth' },
    Components: [{
      Name: 'Engine',
      Version: v.version,
      Details: {
        ApiVersion: API_VERSION,
        Arch: v.arch,
        BuildTime: v.buildTime,
        Experimental: 'false',
        GitCommit: v.gitCommit,
        GoVersion: v.goVersion,
        KernelVersion: v.kernelVersion,
        MinAPIVersion: MIN_API_VERSION,
        Os: v.os,
      },
    }],
    Version: v.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: v.gitCommit,
    GoVersion: v.goVersion,
    Os: v.os,
    Arch: v.arch,
    KernelVersion: v.kernelVersion,
    BuildTime: v.buildTime,
  };
}

export function toDockerInfo(i: SystemInfo, now = new Date()): Record<string, unknown> {
  return {
    ID: i.id,
    Containers: i.containers,
    ContainersRunning: i.containersRunning,
    ContainersPaused: i.containersPaused,
    ContainersStopped: i.containersStopped,
    Images: i.images,
    Driver: i.driver,
    DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['k8s-file'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: i.pidsLimit > 0,
    IPv4Forwarding: true,
    BridgeNfIptables: true,
    BridgeNfIp6tables: true,
    Debug: false,
    NFd: 0,
    OomKillDisable: true,
    NGoroutines: 0,
    SystemTime: now.toISOString(),
    LoggingDriver: 'k8s-file',
    CgroupDriver: i.cgroupDriver,
    CgroupVersion: i.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: i.kernelVersion,
    OperatingSystem: i.operatingSystem,
    OSVersion: '',
    OSType: i.osType,
    Architecture: i.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: null,
    },
    NCPU: i.ncpu,
    MemTotal: i.memTotal,
    GenericResources: null,
    DockerRootDir: i.dataRoot,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.serverVersion,
    Runtimes: { runc: { path: 'runc' } },
    DefaultRuntime: 'runc',
    Swarm: {
      NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null,
    },
    LiveRestoreEnabled: i.liveRestoreEnabled,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    // dockerd reports the commit line of `runc --version`; the version stands in when it has none.
    RuncCommit: { ID: i.runtimeCommit || i.runtimeVersion, Expected: i.runtimeCommit || i.runtimeVersion },
    InitCommit: { ID: '' },
    SecurityOptions: i.securityOptions,
    CDISpecDirs: [],
    Warnings: i.warnings.length ? i.warnings : null,
  };
}
