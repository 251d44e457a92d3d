/**
 * @module build/run-step
 * RUN: a real container through the ContainerService (so it gets the same runtime, default bridge
 * network, cgroups and security defaults as `docker run`), created from the parent image with the
 * step's argv, no entrypoint, the stage's env plus build args, user and workdir. Output is
 * streamed as it arrives (attach before start, so nothing is missed). On exit 0 the container's
 * writable layer is packed (containers/layer-pack, the same code as `docker commit`) and handed to
 * `commit`. Whatever happens, the container is force-removed afterwards, which also releases its
 * snapshot and mounts: a failed or aborted step leaves nothing behind.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { EngineError } from '../errors/engine-error.js';
import type { ContainerService } from '../services.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { packUpper } from '../containers/layer-pack.js';
import { isRuntimeMountpoint, scanUpper } from '../containers/upper-scan.js';
import type { Logger } from '../util/logger.js';

export interface RunStepDeps {
  containers: ContainerService;
  snapshotter: Snapshotter;
  logger: Logger;
}

export interface RunStepInput {
  imageId: string;
  argv: string[];
  env: string[];
  user?: string;
  workingDir?: string;
  networkMode?: string;
  /** Text output (suppressed in quiet mode, but kept for the error). */
  emit: (text: string) => void;
  quiet?: boolean;
  signal?: AbortSignal;
  /** Takes the removal of the finished container, so the next step need not wait for it (the
   *  caller must await it before the build ends). Without it the removal is awaited here. */
  defer?: (removal: Promise<void>) => void;
}

const MAX_QUIET_OUTPUT = 64 * 1024;

/** Marks RUN containers (never committed into the image: the step config is), so a daemon that
 *  died mid-build can remove them at the next start. */
export const INTERMEDIATE_LABEL = 'io.berth.build.intermediate';

export async function runStep<T>(deps: RunStepDeps, input: RunStepInput, commit: (layer: Readable, containerId: string) => Promise<T>): Promise<T> {
  const { containers } = deps;
  input.signal?.throwIfAborted();
  const t0 = Date.now();
  const { id } = await containers.create({
    config: {
      image: input.imageId, cmd: input.argv, entrypoint: [''], env: input.env, user: input.user ?? '',
      workingDir: input.workingDir ?? '', attachStdout: true, attachStderr: true, tty: false, openStdin: false,
      labels: { [INTERMEDIATE_LABEL]: 'true' },
    },
    hostConfig: { networkMode: input.networkMode || 'bridge', autoRemove: false },
  });
  const short = id.slice(0, 12);
  const times: Record<string, number> = { create: Date.now() - t0 };
  let t = Date.now();
  const lap = (name: string) => { const now = Date.now(); times[name] = now - t; t = now; };
  input.emit(` ---> Running in ${short}\n`);
  const onAbort = () => { void containers.kill(id).catch(() => undefined); };
  input.signal?.addEventListener('abort', onAbort, { once: true });
  let quietOut = '';
  try {
    const session = await containers.attach(id, { stdin: false, stdout: true, stderr: true, stream: true });
    await containers.start(id);
    const dec = new StringDecoder('utf8');
    for await (const chunk of session.output) {
      const s = dec.write(chunk.data);
      if (!s) continue;
      if (input.quiet) quietOut = (quietOut + s).slice(-MAX_QUIET_OUTPUT);
      else input.emit(s);
    }
    const rest = dec.end();
    if (rest && !input.quiet) input.emit(rest);
    const { done } = await containers.wait(id, 'not-running');
    const result = await done;
    lap('run');
    input.signal?.throwIfAborted();
    if (result.exitCode !== 0) {
      const msg = `The command '${input.argv.join(' ')}' returned a non-zero code: ${result.exitCode}`;
      throw new EngineError('FAILED_PRECONDITION', input.quiet && quietOut ? `${quietOut}\n${msg}` : msg, { details: { exitCode: result.exitCode } });
    }
    const rec = await containers.inspect(id);
    const upper = await deps.snapshotter.upperDir(rec.snapshotKey);
    const entries = (await scanUpper(upper)).filter((e) => !isRuntimeMountpoint(e));
    const out = await commit(packUpper(upper, entries, input.signal), id);
    lap('commit');
    input.emit(` ---> Removed intermediate container ${short}\n`);
    return out;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
    deps.logger.debug('build: RUN step timings (ms)', { id: short, ...times });
    const removal = containers.remove(id, { force: true })
      .catch((err: unknown) => deps.logger.warn('build: cannot remove intermediate container', { id, err }));
    if (input.defer) input.defer(removal);
    else await removal;
  }
}
