/**
 * @module build/meta-steps
 * The instructions that only change the image config (moby dispatchers.go: dispatchEnv,
 * dispatchLabel, dispatchCmd, …). Each returns the new config and the step's canonical text, which
 * becomes the history `CreatedBy` (`/bin/sh -c #(nop) ENV A=b`) and part of the cache key. Pure:
 * the state passed in is not modified. The per-instruction parsers are the ones `docker commit
 * --change` uses (images/dockerfile-changes.ts); substitution here also sees the stage's ARGs.
 */
import { errors } from '../errors/engine-error.js';
import {
  isValidSignal, parseCommandLine, parseExposedPorts, parseHealthcheck, parseKeyValues, resolveCommandLine, resolveWorkdir,
  setEnv,
} from '../images/dockerfile-changes.js';
import { parseInstructionLine, parseJsonArgs, splitWhitespace, splitWords } from '../images/dockerfile-words.js';
import type { ImageRunConfig } from '../images/image-types.js';
import type { Instruction } from './dockerfile-parse.js';
import { lookupOf, subst, type StageState } from './build-state.js';

export interface MetaResult {
  config: ImageRunConfig;
  text: string;
  cmdSet?: boolean;
  /** MAINTAINER sets the image author. */
  author?: string;
}

export const META_INSTRUCTIONS = [
  'env', 'label', 'cmd', 'entrypoint', 'workdir', 'user', 'expose', 'volume', 'healthcheck', 'shell', 'stopsignal', 'onbuild', 'maintainer',
] as const;
export type MetaName = (typeof META_INSTRUCTIONS)[number];

export function isMeta(name: string): name is MetaName {
  return (META_INSTRUCTIONS as readonly string[]).includes(name);
}

function one(ins: Instruction): string {
  if (ins.args === '') throw errors.invalid(`${ins.name.toUpperCase()} requires exactly one argument`);
  return ins.args;
}

const q = (s: string) => (/[\s"]/.test(s) ? JSON.stringify(s) : s);

export function applyMeta(st: StageState, ins: Instruction & { name: MetaName }): MetaResult {
  const config: ImageRunConfig = structuredClone(st.config);
  const lookup = lookupOf(st);
  const w = (s: string) => subst(s, lookup, st.escape);
  // The key=value lexer knows only `\\`; with `# escape=\`` swap the two before it runs.
  const kv = st.escape === '`' ? ins.args.replace(/\\/g, '\\\\').replace(/`/g, '\\') : ins.args;
  switch (ins.name) {
    case 'env': {
      const pairs = parseKeyValues('ENV', kv, lookup);
      let env = config.env ?? [];
      for (const [k, v] of pairs) env = setEnv(env, k, v);
      config.env = env;
      return { config, text: `ENV ${pairs.map(([k, v]) => `${k}=${q(v)}`).join(' ')}` };
    }
    case 'label': {
      const pairs = parseKeyValues('LABEL', kv, lookup);
      config.labels = { ...(config.labels ?? {}) };
      for (const [k, v] of pairs) config.labels[k] = v;
      return { config, text: `LABEL ${pairs.map(([k, v]) => `${k}=${q(v)}`).join(' ')}` };
    }
    case 'cmd': {
      config.cmd = resolveCommandLine(parseCommandLine(ins.args), config.shell);
      return { config, text: `CMD ${JSON.stringify(config.cmd)}`, cmdSet: true };
    }
    case 'entrypoint': {
      config.entrypoint = resolveCommandLine(parseCommandLine(ins.args), config.shell);
      // moby: an ENTRYPOINT resets an inherited CMD unless this stage set one.
      if (!st.cmdSet) config.cmd = null;
      return { config, text: `ENTRYPOINT ${JSON.stringify(config.entrypoint)}` };
    }
    case 'workdir': {
      config.workingDir = resolveWorkdir(config.workingDir, w(one(ins)));
      return { config, text: `WORKDIR ${config.workingDir}` };
    }
    case 'user': {
      config.user = w(one(ins));
      return { config, text: `USER ${config.user}` };
    }
    case 'expose': {
      const words = splitWhitespace(ins.args).map(w);
      if (words.length === 0) throw errors.invalid('EXPOSE requires at least one argument');
      const ports = parseExposedPorts(words);
      config.exposedPorts = { ...(config.exposedPorts ?? {}) };
      for (const p of ports) config.exposedPorts[p] = {};
      return { config, text: `EXPOSE ${ports.join(' ')}` };
    }
    case 'volume': {
      if (ins.args === '') throw errors.invalid('VOLUME requires at least one argument');
      const list = (parseJsonArgs(ins.args) ?? splitWhitespace(ins.args)).map((v) => w(v).trim());
      config.volumes = { ...(config.volumes ?? {}) };
      for (const v of list) {
        if (v === '') throw errors.invalid('VOLUME specified can not be an empty string');
        config.volumes[v] = {};
      }
      return { config, text: `VOLUME ${JSON.stringify(list)}` };
    }
    case 'healthcheck': {
      config.healthcheck = parseHealthcheck(ins);
      return { config, text: `HEALTHCHECK ${JSON.stringify(config.healthcheck)}` };
    }
    case 'shell': {
      const sh = parseJsonArgs(ins.args);
      if (!sh) throw errors.invalid('SHELL requires the arguments to be in JSON form');
      if (sh.length === 0) throw errors.invalid('SHELL requires at least one argument');
      config.shell = sh;
      return { config, text: `SHELL ${JSON.stringify(sh)}` };
    }
    case 'stopsignal': {
      const sig = w(one(ins));
      if (!isValidSignal(sig)) throw errors.invalid(`Invalid signal: ${sig}`);
      config.stopSignal = sig;
      return { config, text: `STOPSIGNAL ${sig}` };
    }
    case 'onbuild': {
      const expr = ins.args;
      if (expr === '') throw errors.invalid('ONBUILD requires at least one argument');
      const trigger = parseInstructionLine(expr).name;
      if (trigger === 'onbuild') throw errors.invalid('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'from' || trigger === 'maintainer') throw errors.invalid(`${trigger.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      config.onBuild = [...(config.onBuild ?? []), expr];
      return { config, text: `ONBUILD ${expr}` };
    }
    case 'maintainer':
      return { config, text: `MAINTAINER ${one(ins)}`, author: ins.args };
  }
}

/** `ARG a=1 b` → declarations with processed defaults (undefined = none). */
export function parseArgs(st: Pick<StageState, 'args' | 'config' | 'escape'>, ins: Instruction): [string, string | undefined][] {
  const words = splitWords(ins.args);
  if (words.length === 0) throw errors.invalid('ARG requires at least one argument');
  return words.map((word) => {
    const i = word.indexOf('=');
    const name = i < 0 ? word : word.slice(0, i);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw errors.invalid(`invalid ARG name: ${JSON.stringify(name)}`);
    return [name, i < 0 ? undefined : subst(word.slice(i + 1), lookupOf(st), st.escape)];
  });
}

/** Names an ARG default refers to (`$X`, `${X}`, `${X:-…}`). */
export function argRefs(ins: Instruction): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const word of splitWords(ins.args)) {
    const i = word.indexOf('=');
    const name = i < 0 ? word : word.slice(0, i);
    const refs = i < 0 ? [] : [...word.slice(i + 1).matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    out.set(name, refs);
  }
  return out;
}

/**
 * Detects ARGs of one scope whose defaults refer to each other in a loop (`ARG A=$B` + `ARG B=$A`):
 * evaluated in order one of them would silently be empty, so it is reported instead.
 * A self-reference (`ARG P=$P:x`) is not a cycle. Returns [line, path] of the first cycle.
 */
export function findArgCycle(args: readonly Instruction[]): { line: number; path: string[] } | undefined {
  const edges = new Map<string, { refs: Set<string>; line: number }>();
  for (const ins of args) {
    for (const [name, refs] of argRefs(ins)) {
      const e = edges.get(name) ?? { refs: new Set<string>(), line: ins.line };
      for (const r of refs) if (r !== name) e.refs.add(r);
      edges.set(name, e);
    }
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const r of edges.get(n)?.refs ?? []) {
      if (!edges.has(r)) continue;
      if (state.get(r) === 1) return [...stack.slice(stack.indexOf(r)), r];
      if (!state.has(r)) { const c = visit(r); if (c) return c; }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of edges.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return { line: edges.get(c[0]!)!.line, path: c };
  }
  return undefined;
}
