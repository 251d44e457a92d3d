/**
 * @module util/exec-file
 * Runs a helper binary (runc, tar, mount, setfattr…) and returns its output; a non-zero exit becomes
 * a CommandError carrying argv, exit code and stderr, for adapters to map to an EngineError code.
 */
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(readonly argv: readonly string[], readonly exitCode: number | null, readonly stderr: string, readonly stdout: string) {
    super(`${argv.join(' ')} exited ${exitCode}: ${stderr.trim() || stdout.trim()}`);
  }
}

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Accept these exit codes as success. */
  okCodes?: number[];
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, signal: opts.signal, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errb: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => errb.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(errb).toString('utf8');
      const ok = [0, ...(opts.okCodes ?? [])];
      if (code !== null && ok.includes(code)) resolve({ stdout, stderr, code });
      else reject(new CommandError([cmd, ...args], code, stderr, stdout));
    });
    child.stdin.on('error', () => { /* child may exit before reading */ });
    child.stdin.end(opts.input ?? '');
  });
}
