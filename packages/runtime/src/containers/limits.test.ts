import { describe, expect, it } from 'vitest';
import {
  deviceNodes, discardUnsupported, noNewPrivileges, normalizeCapabilities, parseCpuList, resourcesOf, rlimitsOf, validateResources, validateSecurityOpts, validateUlimits,
} from './limits.js';
import { mergeResources } from './container-update.js';
import { defaultHostConfig } from './container-create.js';

const host = { ncpu: 2, cpus: '0-1', mems: '0' };
const bad = (r: Parameters<typeof validateResources>[0], msg: string | RegExp, update = false) =>
  expect(() => validateResources(r, { host, update })).toThrow(msg);

describe('resource validation (Docker messages)', () => {
  it('refuses absurd memory, swap and reservation values', () => {
    bad({ memory: 1024 }, 'Minimum memory limit allowed is 6MB');
    bad({ memory: -5 }, /invalid memory limit/);
    bad({ memory: 64 << 20, memorySwap: 32 << 20 }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
    bad({ memorySwap: 64 << 20 }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
    expect(() => validateResources({ memorySwap: 64 << 20 }, { host, update: true })).not.toThrow();
    bad({ memory: 32 << 20, memoryReservation: 64 << 20 }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
  });
  it('checks CPUs against the host', () => {
    bad({ nanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    bad({ nanoCpus: -1 }, /Range of CPUs/);
    bad({ nanoCpus: 1e9, cpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    bad({ cpuPeriod: 10 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    bad({ cpuQuota: 10 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    bad({ cpusetCpus: '0-3' }, 'Requested CPUs are not available - requested 0-3, available: 0-1');
    bad({ cpusetCpus: '0-x' }, 'Invalid value 0-x for cpuset cpus: invalid format: 0-x');
    bad({ cpusetMems: '1' }, 'Requested memory nodes are not available - requested 1, available: 0');
    bad({ blkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000');
    expect(() => validateResources({ nanoCpus: 2e9, cpusetCpus: '1', cpuShares: 512 }, { host })).not.toThrow();
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
  });
});

describe('OCI resources', () => {
  it('turns --cpus into a CFS quota, keeps the pids default and Docker swap rule', () => {
    const r = resourcesOf(defaultHostConfig({ nanoCpus: 5e8, memory: 64 << 20, cpuShares: 512, cpusetCpus: '0', blkioWeight: 300 }), 2048);
    expect(r).toEqual({
      pids: { limit: 2048 }, memory: { limit: 64 << 20, swap: 128 << 20 }, cpu: { shares: 512, period: 100000, quota: 50000, cpus: '0' },
      blockIO: { weight: 300 },
    });
    expect(resourcesOf(defaultHostConfig({ cpuQuota: 20000, cpuPeriod: 50000, memory: 64 << 20, memorySwap: -1 }), 0))
      .toEqual({ memory: { limit: 64 << 20, swap: -1 }, cpu: { period: 50000, quota: 20000 } });
  });
  it('merges updates like moby and refuses cross-field conflicts', () => {
    const cur = defaultHostConfig({ nanoCpus: 1e9, memory: 64 << 20 });
    expect(mergeResources(cur, { nanoCpus: 5e8 }).nanoCpus).toBe(5e8);
    expect(() => mergeResources(cur, { cpuQuota: 20000 })).toThrow('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
    expect(() => mergeResources(cur, { memory: 256 << 20 })).toThrow(/update the memoryswap at the same time/);
    const up = mergeResources(cur, { memory: 100 << 20 });
    expect([up.memory, up.memorySwap]).toEqual([100 << 20, 128 << 20]);
    expect(mergeResources(cur, { pidsLimit: 0 }).pidsLimit).toBeNull();
  });
});

describe('ulimits, capabilities, security options, devices', () => {
  it('validates ulimits and maps them to rlimits', () => {
    expect(() => validateUlimits([{ name: 'nofiles', soft: 1, hard: 1 }])).toThrow('invalid ulimit type: nofiles');
    expect(() => validateUlimits([{ name: 'nofile', soft: 4, hard: 2 }])).toThrow('ulimit soft limit must be less than or equal to hard limit: 4 > 2');
    expect(rlimitsOf([{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'core', soft: -1, hard: -1 }])).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }, { type: 'RLIMIT_CORE', soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 },
    ]);
  });
  it('normalizes capabilities and refuses unknown ones', () => {
    expect(normalizeCapabilities(['net_admin', 'CAP_CHOWN', 'all'])).toEqual(['CAP_NET_ADMIN', 'CAP_CHOWN', 'ALL']);
    expect(() => normalizeCapabilities(['foo'])).toThrow('unknown capability: "CAP_FOO"');
  });
  it('parses --security-opt like moby, NNP on by default', () => {
    expect(() => validateSecurityOpts(['no-new-privileges', 'no-new-privileges:false', 'seccomp=unconfined', 'label=disable'])).not.toThrow();
    expect(() => validateSecurityOpts(['bogus'])).toThrow('invalid --security-opt 1: "bogus"');
    expect(() => validateSecurityOpts(['no-new-privileges=maybe'])).toThrow('invalid --security-opt 2: "no-new-privileges=maybe"');
    expect(() => validateSecurityOpts(['seccomp={bad'])).toThrow(/Decoding seccomp profile failed/);
    expect(noNewPrivileges([])).toBe(true);
    expect(noNewPrivileges(['no-new-privileges=false'])).toBe(false);
    expect(noNewPrivileges(['no-new-privileges:false', 'no-new-privileges'])).toBe(true);
  });
  it('resolves a host device node to a node and a cgroup rule', () => {
    const { nodes, rules } = deviceNodes([{ pathOnHost: '/dev/null', pathInContainer: '/dev/xnull', cgroupPermissions: 'rw' }]);
    expect(nodes).toEqual([expect.objectContaining({ path: '/dev/xnull', type: 'c', major: 1, minor: 3 })]);
    expect(rules).toEqual([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
    expect(() => deviceNodes([{ pathOnHost: '/dev/nope', pathInContainer: '/dev/nope', cgroupPermissions: 'rwm' }]))
      .toThrow('error gathering device information while adding custom device "/dev/nope": no such file or directory');
  });
});

describe('unsupported limits', () => {
  it('discards a blkio weight the kernel cannot apply, with Docker\'s warning', () => {
    const hc = defaultHostConfig({ blkioWeight: 300 });
    expect(discardUnsupported(hc, () => false)).toEqual(['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
    expect(hc.blkioWeight).toBeUndefined();
    const ok = defaultHostConfig({ blkioWeight: 300 });
    expect(discardUnsupported(ok, () => true)).toEqual([]);
    expect(ok.blkioWeight).toBe(300);
  });
});
