/**
 * @module build/builder
 * The classic Dockerfile builder (`POST /build`, `DOCKER_BUILDKIT=0`), built from the engine's own
 * services. One build:
 *   1. a private temp dir `<root>/tmp-*` receives the context (build-context.ts);
 *   2. the Dockerfile is read (size-capped), parsed and split into stages; ARG cycles and
 *      unknown instructions fail here, before anything runs;
 *   3. stages up to `--target` run in order (FROM: earlier stage, `scratch`, a local image, or a
 *      pulled one when the image service can pull); each step records an image, reusing the
 *      persistent layer cache (build-cache.ts) unless `nocache`;
 *   4. the final image gets the tags; `aux.ID` and "Successfully built/tagged" are reported.
 * The temp dir goes away in `finally` whatever happened, and RUN containers are force-removed by
 * run-step.ts, so a failed build leaves only the (reusable, untagged) images of its finished steps,
 * as Docker's does. Errors of a step name its Dockerfile line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';
import type { ImageContext } from '../images/image-context.js';
import type { StoredImage } from '../images/image-store.js';
import type { LocalImageService } from '../images/local-image-service.js';
import { repoTagReference } from '../images/reference.js';
import type { ContainerService } from '../services.js';
import type { Mounter, Snapshotter } from '../snapshots/snapshotter.js';
import type { Logger } from '../util/logger.js';
import { BuildCache } from './build-cache.js';
import { openContext, readDockerfile, receiveContext, type BuildContext } from './build-context.js';
import type { BuildRun } from './build-run.js';
import { atLine, subst, type StageState } from './build-state.js';
import { PREDEFINED_ARGS, runInstruction } from './build-steps.js';
import type { BuildOptions, BuildService } from './build-types.js';
import { parseDockerfile, parseError, splitStages, type Instruction, type Stage } from './dockerfile-parse.js';
import { findArgCycle, parseArgs } from './meta-steps.js';
import { imageContextOf } from './image-writer.js';
import { INTERMEDIATE_LABEL } from './run-step.js';

export interface BuilderDeps {
  images: LocalImageService;
  containers: ContainerService;
  snapshotter: Snapshotter;
  mounter: Mounter;
  /** `<data-root>/build`: the cache file and per-build temp dirs. */
  root: string;
  logger: Logger;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export class ClassicBuilder implements BuildService {
  private constructor(private readonly deps: BuilderDeps, private readonly cache: BuildCache, private readonly imageCtx: ImageContext) {}

  static async open(deps: BuilderDeps): Promise<ClassicBuilder> {
    await fs.mkdir(deps.root, { recursive: true, mode: 0o700 });
    // Temp dirs of builds the daemon died in: unmount what may still be mounted, then remove.
    for (const name of await fs.readdir(deps.root)) {
      if (!name.startsWith('tmp-')) continue;
      const dir = path.join(deps.root, name);
      for (const sub of await fs.readdir(dir).catch(() => [] as string[])) {
        if (sub.startsWith('root-')) await deps.mounter.unmount(path.join(dir, sub)).catch(() => undefined);
      }
      await fs.rm(dir, { recursive: true, force: true }).catch((err: unknown) => deps.logger.warn('build: cannot remove stale temp dir', { dir, err }));
    }
    // RUN containers of builds the daemon died in (a finished build removes its own).
    for (const c of await deps.containers.list({ all: true, labels: [`${INTERMEDIATE_LABEL}=true`] }).catch(() => [])) {
      await deps.containers.remove(c.id, { force: true }).catch((err: unknown) => deps.logger.warn('build: cannot remove stale intermediate container', { id: c.id, err }));
    }
    return new ClassicBuilder(deps, await BuildCache.open(path.join(deps.root, 'cache.json')), imageContextOf(deps.images));
  }

  async prune(): Promise<{ cachesDeleted: string[]; spaceReclaimed: number }> {
    await this.cache.prune();
    return { cachesDeleted: [], spaceReclaimed: 0 };
  }

  async build(body: Readable, opts: BuildOptions): Promise<{ id: string }> {
    const say = (text: string) => { if (!opts.quiet) opts.onProgress?.({ stream: text }); };
    const tags = (opts.tags ?? []).filter(Boolean).map((t) => parseTag(t));
    const work = await fs.mkdtemp(path.join(this.deps.root, 'tmp-'));
    const pending: Promise<void>[] = [];
    try {
      const ctx = opts.remote ? await remoteContext(opts.remote, work, opts.signal) : await receiveContext(body, work, opts.signal);
      opts.onContextReceived?.();
      const parsed = parseDockerfile(await readDockerfile(ctx, opts.dockerfile ?? ''));
      const plan = splitStages(parsed);
      let last = plan.stages.length - 1;
      if (opts.target) {
        last = plan.stages.findIndex((s) => s.name === opts.target!.toLowerCase());
        if (last < 0) throw errors.invalid(`failed to reach build target ${opts.target} in Dockerfile`);
      }
      const stages = plan.stages.slice(0, last + 1);
      const labels = Object.entries(opts.labels ?? {});
      if (labels.length) stages[last]!.instructions.push(labelInstruction(labels, stages[last]!));
      for (const scope of [plan.globalArgs, ...stages.map((s) => s.instructions.filter((i) => i.name === 'arg'))]) {
        const cycle = findArgCycle(scope);
        if (cycle) throw parseError(cycle.line, `ARG cycle detected: ${cycle.path.join(' -> ')}`);
      }
      const b: BuildRun = {
        opts, deps: this.deps, images: this.deps.images, imageCtx: this.imageCtx, store: this.imageCtx.store, cache: this.cache, ctx, work,
        buildArgs: Object.fromEntries(Object.entries(opts.buildArgs ?? {}).filter(([, v]) => v !== null)) as Record<string, string>,
        globals: new Map(), consumed: new Set(), results: [], stageNames: new Map(), pending, say,
      };
      for (const ins of plan.globalArgs) {
        const st = { args: b.globals, config: {}, escape: parsed.escape };
        for (const [name, def] of atLine(ins.line, () => parseArgs(st, ins))) {
          b.consumed.add(name);
          b.globals.set(name, b.buildArgs[name] ?? def);
        }
      }
      for (const s of plan.stages) if (s.name) b.stageNames.set(s.name, s.index);
      const total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
      let step = 0;
      for (const stage of stages) {
        say(`Step ${++step}/${total} : ${stage.from.original}\n`);
        const st = await this.fromStep(b, stage, parsed.escape, stage.index);
        const triggers = st.config.onBuild ?? [];
        delete st.config.onBuild;
        if (triggers.length) say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
        for (const t of triggers) {
          for (const ins of parseDockerfile(t).instructions) await this.step(b, st, { ...ins, line: stage.from.line }, stage.index);
        }
        for (const ins of stage.instructions) {
          say(`Step ${++step}/${total} : ${ins.original}\n`);
          await this.step(b, st, ins, stage.index);
        }
        b.results[stage.index] = st.image;
      }
      const final = b.results[last];
      if (!final) throw errors.invalid('No image was generated. Is your Dockerfile empty?');
      const unused = Object.keys(b.buildArgs).filter((k) => !b.consumed.has(k) && !PREDEFINED_ARGS.has(k));
      if (unused.length) say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
      opts.onProgress?.({ aux: { ID: final.id } });
      say(`Successfully built ${short(final.id)}\n`);
      for (const t of tags) {
        await this.deps.images.tag(final.id, t.repo, t.tag);
        say(`Successfully tagged ${t.familiar}\n`);
      }
      // moby: with -q the daemon's only output is the image id (the CLI prints the stream text).
      if (opts.quiet) opts.onProgress?.({ stream: `${final.id}\n` });
      return { id: final.id };
    } finally {
      await Promise.allSettled(pending);
      await this.cache.flush().catch((err: unknown) => this.deps.logger.warn('build: cannot save the layer cache', { err }));
      await fs.rm(work, { recursive: true, force: true }).catch((err: unknown) => this.deps.logger.warn('build: cannot remove temp dir', { work, err }));
    }
  }

  private async step(b: BuildRun, st: StageState, ins: Instruction, stageIndex: number): Promise<void> {
    try {
      await runInstruction(b, st, ins, stageIndex);
    } catch (err) {
      throw withLine(ins, err);
    }
  }

  private async fromStep(b: BuildRun, stage: Stage, escape: '\\' | '`', index: number): Promise<StageState> {
    const name = atLine(stage.from.line, () => subst(stage.baseName, (n) => b.globals.get(n), escape));
    let image: StoredImage | null;
    try {
      const prev = b.stageNames.get(name.toLowerCase());
      // Only an earlier stage counts; a later one's name is an image reference (as in Docker).
      if (prev !== undefined && prev < index) image = b.results[prev] ?? null;
      else if (name.toLowerCase() === 'scratch') image = null;
      else image = await this.baseImage(b, name);
    } catch (err) {
      throw withLine(stage.from, err);
    }
    if (image) b.say(` ---> ${short(image.id)}\n`);
    return { image, config: structuredClone(image?.config ?? {}), args: new Map(), cmdSet: false, escape };
  }

  private async baseImage(b: BuildRun, name: string): Promise<StoredImage> {
    const { images } = this.deps;
    const local = () => images.resolveStored(name);
    if (!b.opts.pull) {
      try {
        return local();
      } catch (err) {
        if (!isEngineError(err) || err.code !== 'NOT_FOUND' || !images.pull) throw err;
      }
    }
    if (!images.pull) return local();
    try {
      for await (const ev of images.pull(name, { signal: b.opts.signal })) {
        if (ev.id) b.say(`${ev.id}: ${ev.status}\n`);
        else b.say(`${ev.status}\n`);
      }
    } catch (err) {
      if (b.opts.pull || b.opts.signal?.aborted) throw err;
      // Keep Docker's "No such image" first: the pull was only a fallback.
      throw new EngineError('NOT_FOUND', `No such image: ${name} (pulling it failed: ${(err as Error).message})`, { cause: err });
    }
    return local();
  }
}

function withLine(ins: Instruction, err: unknown): unknown {
  if (!isEngineError(err) || /^Dockerfile parse error/.test(err.message) || err.opts.details?.exitCode !== undefined) return err;
  return new EngineError(err.code, `Dockerfile line ${ins.line}: ${err.message}`, { cause: err, details: err.opts.details });
}

function parseTag(t: string): { repo: string; tag?: string; familiar: string } {
  const ref = (() => {
    try {
      const slash = t.lastIndexOf('/');
      const colon = t.lastIndexOf(':');
      return colon > slash ? { repo: t.slice(0, colon), tag: t.slice(colon + 1) } : { repo: t, tag: undefined };
    } catch { return { repo: t, tag: undefined }; }
  })();
  let parsed;
  try {
    parsed = repoTagReference(ref.repo, ref.tag);
  } catch (err) {
    throw errors.invalid(`invalid tag ${JSON.stringify(t)}: ${(err as Error).message}`, err);
  }
  return { repo: ref.repo, ...(ref.tag ? { tag: ref.tag } : {}), familiar: parsed.familiar };
}

function labelInstruction(labels: [string, string][], stage: Stage): Instruction {
  const args = labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
  const last = stage.instructions[stage.instructions.length - 1] ?? stage.from;
  return { line: last.line, name: 'label', flags: new Map(), args, original: `LABEL ${args}`, heredocs: [] };
}

/** `remote=URL`: a Dockerfile (or tar) fetched over HTTP; offline this is a clear UNAVAILABLE. */
async function remoteContext(url: string, work: string, signal?: AbortSignal): Promise<BuildContext> {
  if (!/^https?:\/\//i.test(url)) throw errors.notImplemented(`remote build contexts other than http(s) URLs are not supported: ${url}`);
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(30_000);
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw errors.unavailable(`remote context ${url} is not reachable: ${cause?.code ?? (err as Error).message}`, err);
  }
  if (!res.ok || !res.body) throw errors.unavailable(`remote context ${url}: status ${res.status}`);
  const { Readable: R } = await import('node:stream');
  const ctx = await receiveContext(R.fromWeb(res.body as import('node:stream/web').ReadableStream), work, signal);
  return openContext(ctx.root);
}
