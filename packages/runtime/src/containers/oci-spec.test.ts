import { describe, expect, it } from 'vitest';
import { buildOciSpec, DEFAULT_CAPABILITIES, effectiveCapabilities, MASKED_PATHS } from './oci-spec.js';
import { defaultHostConfig, mergeConfig } from './container-create.js';
import type { ContainerRecord } from './container-types.js';
import type { ImageRecord } from '../images/image-types.js';

const image = { config: { cmd: ['sh'], env: ['PATH=/bin', 'A=image'], workingDir: '/srv', labels: { a: '1' } } } as unknown as ImageRecord;

function record(over: Partial<ContainerRecord['hostConfig']> = {}, tty = false): ContainerRecord {
  const { config, path, args } = mergeConfig('0123456789abcdef', { config: { image: 'busybox', tty, env: ['A=user'] }, hostConfig: {} }, image);
  return {
    id: '0123456789abcdef', name: 'n', created: '', path, args, config, hostConfig: defaultHostConfig(over), image: 'sha256:x',
    state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: null, finishedAt: null, oomKilled: false, restartCount: 0 },
    snapshotKey: 'k', logPath: '/l', generation: 0,
  };
}
const spec = (r: ContainerRecord) => buildOciSpec({
  record: r, rootfsPath: '/r', user: { uid: 0, gid: 0 }, cwd: '/', cgroupsPath: '/berth/x', netnsPath: '/var/run/netns/x',
  etcFiles: { hostname: '/h', hosts: '/hs', resolvConf: '/rc' },
});

describe('buildOciSpec security defaults', () => {
  it("has Docker's 14 capabilities, no inheritable/ambient, NNP, masked paths and a pids limit", () => {
    const s = spec(record());
    expect(s.process.capabilities.bounding).toEqual([...DEFAULT_CAPABILITIES]);
    expect(s.process.capabilities.inheritable).toEqual([]);
    expect(s.process.capabilities.ambient).toEqual([]);
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(s.linux.resources.pids).toEqual({ limit: 2048 });
    expect(s.linux.resources.devices[0]).toEqual({ allow: false, access: 'rwm' });
    expect(s.linux.namespaces).toContainEqual({ type: 'network', path: '/var/run/netns/x' });
    expect(s.linux.cgroupsPath).toBe('/berth/x');
  });
  it('cap-add/cap-drop and an explicit pids limit', () => {
    expect(effectiveCapabilities(['NET_ADMIN'], ['chown'], false)).toContain('CAP_NET_ADMIN');
    expect(effectiveCapabilities(['NET_ADMIN'], ['chown'], false)).not.toContain('CAP_CHOWN');
    expect(effectiveCapabilities([], ['ALL'], false)).toEqual([]);
    expect(spec(record({ pidsLimit: 10 })).linux.resources.pids).toEqual({ limit: 10 });
  });
  it('merges env by key, adds HOSTNAME and TERM for a tty, keeps the image CMD', () => {
    const s = spec(record({}, true));
    expect(s.process.env).toContain('A=user');
    expect(s.process.env).not.toContain('A=image');
    expect(s.process.env).toContain('HOSTNAME=0123456789ab');
    expect(s.process.env).toContain('TERM=xterm');
    expect(s.process.args).toEqual(['sh']);
    expect(s.process.terminal).toBe(true);
  });
});

describe('mergeConfig', () => {
  it('an explicit entrypoint drops the image CMD', () => {
    const m = mergeConfig('id', { config: { image: 'x', entrypoint: ['echo'] }, hostConfig: {} }, image);
    expect([m.path, ...m.args]).toEqual(['echo']);
  });
  it('rejects a relative working dir and an empty command', () => {
    expect(() => mergeConfig('id', { config: { image: 'x', workingDir: 'rel' }, hostConfig: {} }, image)).toThrow(/absolute path/);
    expect(() => mergeConfig('id', { config: { image: 'x' }, hostConfig: {} }, { config: {} } as unknown as ImageRecord)).toThrow('No command specified');
  });
});

describe('buildOciSpec user mounts', () => {
  it('appends resolved mounts after the defaults and lets them replace /etc/hosts', () => {
    const r = record({ readonlyRootfs: true });
    r.mounts = [
      { type: 'bind', source: '/h', destination: '/etc/hosts', rw: false, mode: 'ro', propagation: 'rprivate' },
      { type: 'tmpfs', source: '', destination: '/scratch', rw: true, mode: '', propagation: '', options: ['noexec', 'nosuid', 'nodev'] },
    ];
    const s = spec(r);
    expect(s.root.readonly).toBe(true);
    expect(s.mounts.filter((m) => m.destination === '/etc/hosts')).toEqual([{ destination: '/etc/hosts', type: 'bind', source: '/h', options: ['rbind', 'rprivate', 'ro'] }]);
    expect(s.mounts.slice(-2)).toContainEqual({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev'] });
  });
});
