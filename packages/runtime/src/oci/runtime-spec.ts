/**
 * @module oci/runtime-spec
 * The subset of the OCI runtime spec (config.json) that Berth writes.
 */
export interface OciUser { uid: number; gid: number; additionalGids?: number[]; umask?: number }
export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] }[];
}
export interface OciMount { destination: string; type: string; source: string; options: string[] }
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; type?: string; major?: number; minor?: number; access: string }[];
      pids?: { limit: number };
      memory?: { limit?: number; swap?: number; reservation?: number };
      cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
      blockIO?: { weight?: number };
    };
    /** Device nodes created in the container's /dev (`--device`). */
    devices?: { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }[];
    seccomp?: OciSeccomp;
  };
}
