/**
 * @module docker-api/mappers/exec-json
 * Exec instances ↔ Docker wire JSON: the create body → ExecCreateSpec, and ExecDetail →
 * `GET /exec/{id}/json` (moby api/types/container ExecInspect; ProcessConfig keys are lower-case
 * on the wire, unlike everything else).
 */
import { errors, type ExecCreateSpec, type ExecDetail } from '@berth/runtime';
import type { ExecCreateBody } from '../schema/exec.js';

export function toExecCreateSpec(b: ExecCreateBody): ExecCreateSpec {
  const cmd = b.Cmd === null || b.Cmd === undefined ? [] : typeof b.Cmd === 'string' ? [b.Cmd] : b.Cmd;
  if (cmd.length === 0) throw errors.invalid('No exec command specified');
  const spec: ExecCreateSpec = { cmd };
  if (b.Env) spec.env = b.Env;
  if (b.User) spec.user = b.User;
  if (b.WorkingDir) spec.workingDir = b.WorkingDir;
  if (b.Tty != null) spec.tty = b.Tty;
  if (b.AttachStdin != null) spec.attachStdin = b.AttachStdin;
  if (b.AttachStdout != null) spec.attachStdout = b.AttachStdout;
  if (b.AttachStderr != null) spec.attachStderr = b.AttachStderr;
  if (b.Privileged != null) spec.privileged = b.Privileged;
  if (b.ConsoleSize) spec.consoleSize = [b.ConsoleSize[0]!, b.ConsoleSize[1]!];
  return spec;
}

export function toDockerExecInspect(d: ExecDetail, detachKeys: string): Record<string, unknown> {
  const [entrypoint = '', ...args] = d.spec.cmd;
  return {
    CanRemove: false,
    ContainerID: d.containerId,
    DetachKeys: detachKeys,
    ExitCode: d.running ? null : d.exitCode,
    ID: d.id,
    OpenStderr: d.spec.attachStderr ?? false,
    OpenStdin: d.spec.attachStdin ?? false,
    OpenStdout: d.spec.attachStdout ?? false,
    ProcessConfig: {
      arguments: args,
      entrypoint,
      privileged: d.spec.privileged ?? false,
      tty: d.spec.tty ?? false,
      user: d.spec.user ?? '',
    },
    Running: d.running,
    Pid: d.pid,
  };
}
