import { describe, expect, it } from 'vitest';
import { containerSeccomp, kernelAtLeast, renderSeccomp } from './seccomp-render.js';
import { DEFAULT_SECCOMP_PROFILE } from './seccomp-default-profile.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';

const amd64 = { goArch: 'amd64', kernel: '6.1.0' };
const allowed = (s: ReturnType<typeof renderSeccomp>, name: string) =>
  s!.syscalls!.some((r) => r.names.includes(name) && r.action === 'SCMP_ACT_ALLOW' && !r.args);

describe('seccomp rendering (moby setupSeccomp)', () => {
  it('renders the default profile for the default caps: denies namespace, mount and keyring syscalls', () => {
    const s = renderSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, amd64)!;
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.defaultErrnoRet).toBe(1);
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    for (const n of ['read', 'execve', 'futex', 'arch_prctl', 'chroot']) expect(allowed(s, n), n).toBe(true);
    for (const n of ['unshare', 'mount', 'keyctl', 'add_key', 'bpf', 'perf_event_open', 'kexec_load', 'open_by_handle_at', 'io_uring_setup', 'setns', 'reboot']) {
      expect(allowed(s, n), n).toBe(false);
    }
    expect(s.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(s.syscalls).toContainEqual({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] });
    expect(s.syscalls!.some((r) => r.names.includes('s390_runtime_instr'))).toBe(false);
  });
  it('opens the cap-gated syscalls when the cap is granted', () => {
    const s = renderSeccomp(DEFAULT_SECCOMP_PROFILE, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], amd64)!;
    expect(allowed(s, 'unshare')).toBe(true);
    expect(allowed(s, 'mount')).toBe(true);
    expect(allowed(s, 'ptrace')).toBe(true);
    expect(s.syscalls!.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO')).toBe(false);
  });
  it('honours arch and minKernel filters', () => {
    const arm = renderSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, { goArch: 'arm64', kernel: '6.1' })!;
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(allowed(arm, 'arch_prctl')).toBe(false);
    expect(allowed(arm, 'set_tls')).toBe(true);
    const old = renderSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, { goArch: 'amd64', kernel: '4.4.0' })!;
    expect(old.syscalls!.some((r) => r.names.includes('process_vm_readv'))).toBe(false);
    expect(kernelAtLeast('6.18.0-1-amd64', '4.8')).toBe(true);
    expect(kernelAtLeast('4.4.0', '4.8')).toBe(false);
  });
  it('has no filter when privileged or unconfined; accepts a client profile; rejects bad JSON', () => {
    expect(containerSeccomp([], [], true)).toBeUndefined();
    expect(containerSeccomp(['seccomp=unconfined'], [], false)).toBeUndefined();
    const custom = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'chmod', action: 'SCMP_ACT_ERRNO' }] });
    expect(containerSeccomp([`seccomp=${custom}`], [], false)).toMatchObject({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO' }] });
    expect(() => containerSeccomp(['seccomp={'], [], false)).toThrow(/Decoding seccomp profile failed/);
    expect(containerSeccomp([], DEFAULT_CAPABILITIES, false)?.defaultAction).toBe('SCMP_ACT_ERRNO');
  });
});
