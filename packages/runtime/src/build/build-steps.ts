/**
 * @module build/build-steps
 * One Dockerfile instruction inside a stage: ARG, RUN, COPY/ADD, or a metadata instruction.
 * Every step turns the stage's current image into a new one (or reuses the cached one), prints
 * ` ---> Using cache` / ` ---> <short id>` like the classic builder, and leaves
 * `st.image`/`st.config` on the result. RUN's history entry carries its build args
 * (`|1 V=x /bin/sh -c …`), COPY/ADD's carries the checksum of what was copied: both are part of
 * the cache key through `CreatedBy`.
 */
import path from 'node:path';
import { errors } from '../errors/engine-error.js';
import { parseCommandLine, resolveCommandLine, DEFAULT_SHELL } from '../images/dockerfile-changes.js';
import { parseJsonArgs, splitWhitespace } from '../images/dockerfile-words.js';
import type { ImageRunConfig } from '../images/image-types.js';
import type { StoredImage } from '../images/image-store.js';
import { mergeEnv } from '../containers/container-create.js';
import { resolveSources, type CopyEntry } from './build-context.js';
import { lookupOf, subst, type StageState } from './build-state.js';
import { stepKey } from './build-cache.js';
import { planCopy, checksumEntries, packEntries, type LayerEntry } from './copy-layer.js';
import { parseChown, resolveAddSources, withImageRoot } from './copy-step.js';
import type { Instruction } from './dockerfile-parse.js';
import { applyMeta, isMeta, parseArgs } from './meta-steps.js';
import { runStep } from './run-step.js';
import { writeStepImage } from './image-writer.js';
import type { BuildRun } from './build-run.js';

/** Proxy variables Docker passes to RUN without an ARG and keeps out of the history. */
export const PREDEFINED_ARGS = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export async function runInstruction(b: BuildRun, st: StageState, ins: Instruction, stageIndex: number): Promise<void> {
  switch (ins.name) {
    case 'arg': return argStep(b, st, ins);
    case 'run': return runInstr(b, st, ins);
    case 'copy':
    case 'add': return copyInstr(b, st, ins, stageIndex);
    case 'from': throw errors.invalid('FROM inside a stage');
    default: {
      if (!isMeta(ins.name)) throw errors.invalid(`unknown instruction: ${(ins.name as string).toUpperCase()}`);
      const r = applyMeta(st, ins as Instruction & { name: typeof ins.name });
      if (r.cmdSet) st.cmdSet = true;
      if (r.author !== undefined) st.author = r.author;
      await commitMeta(b, st, r.config, r.text);
    }
  }
}

async function argStep(b: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  for (const [name, def] of parseArgs(st, ins)) {
    b.consumed.add(name);
    const given = b.buildArgs[name];
    let value = given ?? def;
    if (value === undefined && b.globals.has(name)) value = b.globals.get(name);
    st.args.set(name, value);
  }
  await commitMeta(b, st, st.config, `ARG ${ins.args}`);
}

function cached(b: BuildRun, key: string, parent: StoredImage | null): StoredImage | undefined {
  if (b.opts.noCache) return undefined;
  const parentId = parent?.id ?? '';
  const id = b.cache.get(key, (image, p) => p === parentId && b.store.get(image as `sha256:${string}`)?.parent === parentId);
  return id ? b.store.get(id as `sha256:${string}`) : undefined;
}

async function finish(b: BuildRun, st: StageState, img: StoredImage, key: string, hit: boolean): Promise<void> {
  if (!hit) b.cache.put(key, img.id, st.image?.id ?? '');
  else b.say(' ---> Using cache\n');
  st.image = img;
  st.config = structuredClone(img.config);
  b.say(` ---> ${short(img.id)}\n`);
}

async function commitMeta(b: BuildRun, st: StageState, config: ImageRunConfig, text: string): Promise<void> {
  const createdBy = `/bin/sh -c #(nop)  ${text}`;
  const key = stepKey(st.image?.id ?? '', createdBy, JSON.stringify(config));
  const hit = cached(b, key, st.image);
  const img = hit ?? await writeStepImage(b.imageCtx, { parent: st.image, config, createdBy, author: st.author, signal: b.opts.signal });
  await finish(b, st, img, key, !!hit);
}

function noUnknownFlags(ins: Instruction, known: readonly string[]): void {
  for (const f of ins.flags.keys()) {
    if (!known.includes(f)) throw errors.invalid(`Unknown flag: ${f}${f === 'mount' || f === 'network' || f === 'security' ? ' (needs BuildKit)' : ''}`);
  }
}

function runArgv(st: StageState, ins: Instruction): string[] {
  const shell = st.config.shell?.length ? st.config.shell : DEFAULT_SHELL;
  if (ins.heredocs.length === 1 && /^<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?$/.test(ins.args.trim())) {
    return [...shell, ins.heredocs[0]!.content];
  }
  if (ins.heredocs.length > 0) {
    // Leave the heredocs to the shell, which implements them natively.
    return [...shell, `${ins.args}\n${ins.heredocs.map((h) => `${h.content}${h.name}`).join('\n')}`];
  }
  return resolveCommandLine(parseCommandLine(ins.args), st.config.shell);
}

async function runInstr(b: BuildRun, st: StageState, ins: Instruction): Promise<void> {
  noUnknownFlags(ins, []);
  if (ins.args === '') throw errors.invalid('RUN requires at least one argument');
  const argv = runArgv(st, ins);
  const envKeys = new Set((st.config.env ?? []).map((e) => e.split('=', 1)[0]));
  const argEnv = [...st.args].filter(([k, v]) => v !== undefined && !envKeys.has(k)).map(([k, v]) => `${k}=${v}`).sort();
  const proxies = Object.entries(b.buildArgs).filter(([k, v]) => PREDEFINED_ARGS.has(k) && v !== null && !st.args.has(k)).map(([k, v]) => `${k}=${v}`);
  const createdBy = argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ${argv.join(' ')}` : argv.join(' ');
  const key = stepKey(st.image?.id ?? '', createdBy);
  const hit = cached(b, key, st.image);
  if (hit) return finish(b, st, hit, key, true);
  const parent = st.image;
  if (!parent) throw errors.invalid('RUN cannot run in an empty image (FROM scratch without a layer)');
  const img = await runStep(b.deps, {
    imageId: parent.id, argv, env: mergeEnv(st.config.env ?? [], [...argEnv, ...proxies]), user: st.config.user,
    workingDir: st.config.workingDir, networkMode: b.opts.networkMode, emit: b.say, quiet: b.opts.quiet, signal: b.opts.signal,
    defer: (p) => { b.pending.push(p); },
  }, (layer, container) => writeStepImage(b.imageCtx, { parent, layer, config: st.config, createdBy, container, author: st.author, signal: b.opts.signal }));
  await finish(b, st, img, key, false);
}

/** The image `--from` names: an earlier stage (name or index) or an image reference. */
function fromImage(b: BuildRun, ref: string, stageIndex: number): StoredImage | null {
  const byName = b.stageNames.get(ref.toLowerCase());
  const idx = byName ?? (/^\d+$/.test(ref) ? Number(ref) : undefined);
  if (idx !== undefined) {
    if (idx >= stageIndex) throw errors.invalid(`invalid from flag value ${ref}: circular dependency detected on stage: ${ref}`);
    return b.results[idx] ?? null;
  }
  return b.images.resolveStored(ref);
}

async function copyInstr(b: BuildRun, st: StageState, ins: Instruction, stageIndex: number): Promise<void> {
  const NAME = ins.name.toUpperCase();
  noUnknownFlags(ins, ins.name === 'copy' ? ['from', 'chown', 'chmod', 'link', 'parents'] : ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir']);
  const lookup = lookupOf(st);
  const words = (parseJsonArgs(ins.args) ?? splitWhitespace(ins.args));
  if (words.length < 2) throw errors.invalid(`${NAME} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const inline = new Map(ins.heredocs.map((h) => [h.name, h]));
  const isInline = (w: string) => /^<<-?/.test(w) && inline.has(w.replace(/^<<-?\s*["']?|["']$/g, ''));
  const destRaw = subst(words[words.length - 1]!, lookup, st.escape);
  const srcWords = words.slice(0, -1);
  const specs = srcWords.filter((w) => !isInline(w)).map((w) => subst(w, lookup, st.escape));
  const files = srcWords.filter(isInline).map((w) => {
    const h = inline.get(w.replace(/^<<-?\s*["']?|["']$/g, ''))!;
    return { name: h.name, data: Buffer.from(h.content) };
  });
  const wd = st.config.workingDir || '/';
  const dest = destRaw.startsWith('/') ? destRaw : `${path.posix.join(wd, destRaw)}${destRaw.endsWith('/') || destRaw === '.' ? '/' : ''}`;
  const fromRef = ins.flags.get('from');
  const fromImg = fromRef ? fromImage(b, subst(fromRef, lookup, st.escape), stageIndex) : undefined;
  const chmod = ins.flags.get('chmod');
  if (chmod && !/^[0-7]{3,4}$/.test(chmod)) throw errors.invalid(`invalid chmod parameter: ${chmod}`);
  const parent = st.image;
  const chownSpec = ins.flags.get('chown');
  const withFrom = <T>(fn: (root: string | undefined) => Promise<T>) =>
    fromImg !== undefined ? withImageRoot(b.deps, fromImg, b.work, fn) : fn(undefined);
  await withFrom(async (fromRoot) => {
    const sources = fromRoot !== undefined
      ? await resolveSources(fromRoot, specs, [], NAME)
      : ins.name === 'add' ? await resolveAddSources(b.ctx, specs, b.work, b.opts.signal) : await resolveSources(b.ctx.root, specs, b.ctx.ignore, NAME);
    // The key needs only the sources (content, modes) and the flags: the parent's root, which
    // decides the parent-dir entries, is fixed by the parent id. So a hit needs no mount.
    const sum = await checksumEntries([
      ...sources.flatMap((src, i) => src.entries.map((e) => sourceEntry(i, src.spec, e, !!src.keepOwner))),
      ...files.map((f) => ({ header: { name: `inline:${f.name}`, type: 'file' as const, size: f.data.length }, data: f.data })),
      { header: { name: `flags:${chownSpec ?? ''}:${chmod ?? ''}`, type: 'directory' as const } },
    ]);
    const kind = sources.length + files.length > 1 ? 'multi' : sources[0]?.isDir ? 'dir' : 'file';
    const createdBy = `/bin/sh -c #(nop) ${NAME} ${kind}:${sum} in ${dest} `;
    const key = stepKey(parent?.id ?? '', createdBy);
    const hit = cached(b, key, parent);
    if (hit) return finish(b, st, hit, key, true);
    await withImageRoot(b.deps, parent, b.work, async (lowerRoot) => {
      const chown = chownSpec ? await parseChown(subst(chownSpec, lookup, st.escape), lowerRoot) : undefined;
      const entries = await planCopy({ sources, inline: files, dest, lowerRoot, chown, instr: NAME });
      if (chmod) {
        const mode = parseInt(chmod, 8);
        for (const e of entries) if (e.header.type === 'file' && (e.abs !== undefined || e.data)) e.header.mode = mode;
      }
      const img = await writeStepImage(b.imageCtx, { parent, layer: packEntries(entries, b.opts.signal), config: st.config, createdBy, author: st.author, signal: b.opts.signal });
      await finish(b, st, img, key, false);
    });
  });
}

function sourceEntry(i: number, spec: string, e: CopyEntry, keepOwner: boolean): LayerEntry {
  const st = e.stat;
  const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'fifo';
  return {
    header: {
      name: `${i}:${spec}:${e.rel}`, type, mode: st.mode & 0o7777, size: st.isFile() ? st.size : 0, linkname: e.linkTarget ?? '',
      ...(keepOwner ? { uid: st.uid, gid: st.gid } : {}),
    },
    ...(st.isFile() ? { abs: e.abs } : {}),
  };
}
