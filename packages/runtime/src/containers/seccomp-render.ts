/**
 * @module containers/seccomp-render
 * Turns a Docker seccomp profile (the default template, or the JSON a client sent with
 * `--security-opt seccomp=<file content>`) into the OCI `linux.seccomp` of one container, as moby's
 * profiles/seccomp setupSeccomp does: the host's arch and its sub-arches from archMap, then each
 * rule kept only when its includes hold (arch, every cap in the bounding set, minimum kernel) and
 * no exclude holds. Privileged containers and `seccomp=unconfined` get no filter at all.
 */
import os from 'node:os';
import type { OciSeccomp } from '../oci/runtime-spec.js';
import { errors } from '../errors/engine-error.js';
import { DEFAULT_SECCOMP_PROFILE } from './seccomp-default-profile.js';

interface Filter { caps?: string[]; arches?: string[]; minKernel?: string }
export interface SeccompRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
  comment?: string;
  includes?: Filter;
  excludes?: Filter;
}
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  flags?: string[];
  syscalls?: SeccompRule[];
}

/** Node's process.arch → Go's GOARCH, the vocabulary of the profile's `arches`. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle', loong64: 'loong64' };
/** moby goArchToSeccompArchMap. */
const SECCOMP_ARCH: Record<string, string> = {
  '386': 'SCMP_ARCH_X86', amd64: 'SCMP_ARCH_X86_64', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64', mips: 'SCMP_ARCH_MIPS',
  mipsle: 'SCMP_ARCH_MIPSEL', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', s390x: 'SCMP_ARCH_S390X', loong64: 'SCMP_ARCH_LOONGARCH64',
};

export const hostGoArch = (): string => GOARCH[process.arch] ?? process.arch;

/** "6.1.0-18-amd64" ≥ "4.8"? (major.minor only, like moby's kernel.CompareKernelVersion use here) */
export function kernelAtLeast(release: string, min: string): boolean {
  const [a = 0, b = 0] = release.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const [c = 0, d = 0] = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return a > c || (a === c && b >= d);
}

export interface RenderHost { goArch: string; kernel: string }

/** moby setupSeccomp: the profile resolved against one container's bounding caps. */
export function renderSeccomp(profile: SeccompProfile, boundingCaps: readonly string[], host: RenderHost = { goArch: hostGoArch(), kernel: os.release() }): OciSeccomp | undefined {
  if (!profile.defaultAction && !profile.syscalls?.length) return undefined;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw errors.invalid(`both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'`);
  }
  const architectures = [...(profile.architectures ?? [])];
  const native = SECCOMP_ARCH[host.goArch];
  for (const a of profile.archMap ?? []) {
    if (a.architecture === native) architectures.push(a.architecture, ...(a.subArchitectures ?? []));
  }
  const caps = new Set(boundingCaps);
  const syscalls: NonNullable<OciSeccomp['syscalls']> = [];
  for (const call of profile.syscalls ?? []) {
    let names = call.names ?? [];
    if (call.name) {
      if (names.length) throw errors.invalid(`'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'`);
      names = [call.name];
    }
    const ex = call.excludes;
    if (ex) {
      if (ex.arches?.includes(host.goArch)) continue;
      if (ex.caps?.some((c) => caps.has(c))) continue;
      if (ex.minKernel && kernelAtLeast(host.kernel, ex.minKernel)) continue;
    }
    const inc = call.includes;
    if (inc) {
      if (inc.arches?.length && !inc.arches.includes(host.goArch)) continue;
      if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
      if (inc.minKernel && !kernelAtLeast(host.kernel, inc.minKernel)) continue;
    }
    syscalls.push({
      names: [...names], action: call.action,
      ...(call.errnoRet !== undefined ? { errnoRet: call.errnoRet } : {}),
      ...(call.args?.length ? { args: call.args.map((a) => ({ ...a })) } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(profile.flags?.length ? { flags: [...profile.flags] } : {}),
    syscalls,
  };
}

/** The seccomp part of `--security-opt`: 'default' | 'unconfined' | a profile's JSON text. */
export function seccompOption(securityOpt: readonly string[]): string {
  let v = 'default';
  for (const o of securityOpt) {
    const m = /^seccomp[=:]([\s\S]*)$/.exec(o);
    if (m) v = m[1]!;
  }
  return v === '' ? 'default' : v;
}

/** Parses a client-sent profile (moby LoadProfile's message on bad JSON). */
export function parseSeccompProfile(text: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (err) {
    throw errors.invalid(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw errors.invalid('Decoding seccomp profile failed: profile is not a JSON object');
  const prof = p as SeccompProfile;
  if (prof.syscalls !== undefined && !Array.isArray(prof.syscalls)) throw errors.invalid('Decoding seccomp profile failed: syscalls must be a list');
  return prof;
}

/** The container's filter: none when privileged or unconfined, else the (default or given) profile rendered. */
export function containerSeccomp(securityOpt: readonly string[], boundingCaps: readonly string[], privileged: boolean): OciSeccomp | undefined {
  if (privileged) return undefined;
  const opt = seccompOption(securityOpt);
  if (opt === 'unconfined') return undefined;
  const profile = opt === 'default' || opt === 'builtin' ? DEFAULT_SECCOMP_PROFILE : parseSeccompProfile(opt);
  return renderSeccomp(profile, boundingCaps);
}
