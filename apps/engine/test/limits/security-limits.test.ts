/**
 * Security defaults, limits and healthchecks against a real berthd (root): the static syscall
 * probe (security.md T19-T21, T23) runs inside containers, cgroup files are read on the host,
 * and healthchecks are followed across a daemon restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';
import { demux } from '../helpers/http.js';

const t = useEngine();
const { api, create, inspect } = t;
const HERE = path.dirname(fileURLToPath(import.meta.url));
let probeDir = '';

beforeAll(() => {
  probeDir = mkdtempSync('/tmp/bt-probe-');
  execFileSync('gcc', ['-static', '-O1', '-o', path.join(probeDir, 'probe'), path.join(HERE, 'syscall-probe.c')]);
});
afterAll(() => { rmSync(probeDir, { recursive: true, force: true }); });

/** Runs the probe in a fresh container; returns its key=value lines. */
async function probe(host: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const id = await create({ Cmd: ['/probe/probe'], HostConfig: { Binds: [`${probeDir}:/probe:ro`], ...host } });
  const wait = api('POST', `/containers/${id}/wait?condition=next-exit`);
  expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
  await wait;
  const out = demux((await api('GET', `/containers/${id}/logs?stdout=1&stderr=1`)).raw).stdout;
  await api('DELETE', `/containers/${id}?force=1`);
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => {
    const m = /^([^:=]+)[:=]\s*(.*)$/.exec(l)!;
    return [m[1]!, m[2]!];
  }));
}

const hostFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);

describe('security defaults inside a container', () => {
  it('T19/T21/T23: default caps only, empty inheritable/ambient, NNP, seccomp, fds 0-2', async () => {
    const p = await probe();
    expect(p).toMatchObject({ CapEff: '00000000a80425fb', CapPrm: '00000000a80425fb', CapBnd: '00000000a80425fb',
      CapInh: '0000000000000000', CapAmb: '0000000000000000', NoNewPrivs: '1', Seccomp: '2', fds: '0,1,2,' });
  });

  it('T20: the default seccomp profile denies namespace, mount, keyring, bpf, kexec and io_uring syscalls', async () => {
    const p = await probe();
    for (const k of ['unshare_user', 'unshare_mnt', 'mount', 'keyctl', 'add_key', 'bpf', 'perf_event_open', 'kexec_load',
      'open_by_handle_at', 'socket_vsock', 'personality', 'io_uring_setup']) {
      expect(p[k], k).toBe('EPERM');
    }
    expect(p.clone3).toBe('ENOSYS');
  });

  it('renders the profile per container: SYS_ADMIN opens unshare/mount; cap-drop ALL empties the sets; unconfined has no filter', async () => {
    const admin = await probe({ CapAdd: ['SYS_ADMIN'] });
    expect(admin.unshare_mnt).toBe('OK');
    expect(admin.keyctl).toBe('EPERM');
    const none = await probe({ CapDrop: ['ALL'] });
    expect([none.CapEff, none.CapBnd]).toEqual(['0000000000000000', '0000000000000000']);
    const unconfined = await probe({ SecurityOpt: ['seccomp=unconfined'] });
    expect(unconfined.Seccomp).toBe('0');
  });

  it('T23: no daemon fd reaches the container init or an exec process', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    await api('POST', `/containers/${id}/start`);
    const pid = (await inspect(id)).State.Pid as number;
    expect(hostFds(pid)).toEqual([0, 1, 2]);
    const ex = JSON.parse((await api('POST', `/containers/${id}/exec`, { Cmd: ['sleep', '30'] })).body).Id as string;
    await api('POST', `/exec/${ex}/start`, { Detach: true });
    let execPid = 0;
    for (let i = 0; i < 50 && !execPid; i++) {
      execPid = JSON.parse((await api('GET', `/exec/${ex}/json`)).body).Pid;
      if (!execPid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(execPid).toBeGreaterThan(0);
    expect(hostFds(execPid)).toEqual([0, 1, 2]);
    await api('DELETE', `/containers/${id}?force=1`);
  });

  it('shows the defaults in inspect and /info', async () => {
    const id = await create({ Cmd: ['true'] });
    const hc = (await inspect(id)).HostConfig;
    expect(hc.SecurityOpt).toEqual(['no-new-privileges', 'seccomp=builtin']);
    expect(hc.MaskedPaths).toContain('/proc/kcore');
    const info = JSON.parse((await api('GET', '/info')).body);
    expect(info.SecurityOptions).toContain('name=seccomp,profile=builtin');
    expect(info.Warnings.join('\n')).toMatch(/CVE-2025-31133/);
  });
});

describe('limits on create and update', () => {
  const cg = (ctrl: string, id: string, file: string) => readFileSync(path.join('/sys/fs/cgroup', ctrl, t.eng.cgroupParent, id, file), 'utf8').trim();

  it('applies --cpus/--memory/--pids-limit/--ulimit, and update changes the live cgroup and the record', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'ulimit -n; sleep 1000'], HostConfig: {
      NanoCpus: 5e8, Memory: 64 << 20, PidsLimit: 50, CpuShares: 512, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] } });
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    expect([cg('cpu', id, 'cpu.cfs_quota_us'), cg('cpu', id, 'cpu.shares'), cg('memory', id, 'memory.limit_in_bytes'), cg('pids', id, 'pids.max')])
      .toEqual(['50000', '512', String(64 << 20), '50']);
    const up = await api('POST', `/containers/${id}/update`, { NanoCpus: 25e7, Memory: 96 << 20, PidsLimit: 80 });
    expect(up.status, up.body).toBe(200);
    expect([cg('cpu', id, 'cpu.cfs_quota_us'), cg('memory', id, 'memory.limit_in_bytes'), cg('pids', id, 'pids.max')])
      .toEqual(['25000', String(96 << 20), '80']);
    expect((await inspect(id)).HostConfig).toMatchObject({ NanoCpus: 25e7, Memory: 96 << 20, PidsLimit: 80 });
    const conflict = await api('POST', `/containers/${id}/update`, { CpuQuota: 20000 });
    expect(JSON.parse(conflict.body).message).toBe('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
    const logs = demux((await api('GET', `/containers/${id}/logs?stdout=1`)).raw).stdout;
    expect(logs.trim()).toBe('1024');
    await api('DELETE', `/containers/${id}?force=1`);
  });

  it("refuses bad values with Docker's 400 texts", async () => {
    const bad = async (hc: Record<string, unknown>) => {
      const r = await api('POST', '/containers/create', { Image: 'busybox', HostConfig: hc });
      expect(r.status, r.body).toBe(400);
      return JSON.parse(r.body).message as string;
    };
    const n = os.cpus().length;
    expect(await bad({ NanoCpus: (n + 1) * 1e9 })).toBe(`Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`);
    expect(await bad({ CapAdd: ['FOO'] })).toBe('unknown capability: "CAP_FOO"');
    expect(await bad({ Memory: 1024 })).toBe('Minimum memory limit allowed is 6MB');
    expect(await bad({ Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] })).toMatch(/soft limit must be less than or equal to hard limit/);
    expect(await bad({ CpusetCpus: '99' })).toMatch(/^Requested CPUs are not available - requested 99/);
    expect(await bad({ SecurityOpt: ['seccomp={nope'] })).toMatch(/^Decoding seccomp profile failed/);
  });
});

describe('healthchecks', () => {
  it('goes unhealthy with a logged output, emits health_status, and keeps probing after a daemon restart', async () => {
    const since = Math.floor(Date.now() / 1000);
    const id = await create({ Cmd: ['sleep', '1000'],
      Healthcheck: { Test: ['CMD-SHELL', 'echo probe-out; exit 1'], Interval: 300e6, Retries: 2 } });
    await api('POST', `/containers/${id}/start`);
    const until = async (pred: (s: any) => boolean) => { // eslint-disable-line @typescript-eslint/no-explicit-any -- Docker JSON
      for (let i = 0; i < 100; i++) {
        const s = (await inspect(id)).State;
        if (pred(s)) return s;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('condition not reached');
    };
    const s = await until((st) => st.Health?.Status === 'unhealthy');
    expect(s.Health.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(s.Health.Log[0]).toMatchObject({ ExitCode: 1, Output: 'probe-out\n' });
    const ev = await api('GET', `/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${encodeURIComponent(JSON.stringify({ event: ['health_status'] }))}`);
    expect(ev.body).toMatch(/"Action":"health_status: unhealthy"/);
    const ps = JSON.parse((await api('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ health: ['unhealthy'] }))}`)).body);
    expect(ps.map((c: { Id: string }) => c.Id)).toEqual([id]);
    expect(ps[0].Status).toMatch(/\(unhealthy\)$/);
    await t.eng.restart();
    const streak = (await inspect(id)).State.Health.FailingStreak as number;
    await until((st) => st.Health.FailingStreak >= streak + 2);
    await api('DELETE', `/containers/${id}?force=1`);
  });
});
