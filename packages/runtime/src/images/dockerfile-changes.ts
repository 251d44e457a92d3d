/**
 * @module images/dockerfile-changes
 * `--change` instructions of `docker import`/`docker commit` (moby builder/dockerfile
 * BuildFromConfig): CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME, WORKDIR. All instructions are parsed and validated before any is applied, so a bad list
 * changes nothing. Pure: `applyChanges` returns a new config. The per-instruction parsers
 * (`parse*`) are exported for the Dockerfile builder.
 */
import { errors } from '../errors/engine-error.js';
import type { ImageRunConfig } from './image-types.js';
import {
  envLookup, parseDuration, parseInstructionLine, parseJsonArgs, processWord, splitInstructions, splitWhitespace, splitWords,
  type EnvLookup, type RawInstruction,
} from './dockerfile-words.js';

export const CHANGE_COMMANDS = [
  'cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir',
] as const;

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/** Exec form (`json`) or shell form (`shell`) of CMD / ENTRYPOINT / RUN / HEALTHCHECK CMD. */
export type CommandLine = { json: true; args: string[] } | { json: false; args: [string] };

export function parseCommandLine(args: string): CommandLine {
  const json = parseJsonArgs(args);
  return json ? { json: true, args: json } : { json: false, args: [args.trim()] };
}

/** The argv a command line runs as: exec form as is, shell form wrapped in the image's shell. */
export function resolveCommandLine(cl: CommandLine, shell: readonly string[] | undefined): string[] {
  return cl.json ? [...cl.args] : [...(shell && shell.length > 0 ? shell : DEFAULT_SHELL), ...cl.args];
}

/** ENV / LABEL pairs: `A=b C="d e"` or the legacy `A b c` form; keys and values word-processed. */
export function parseKeyValues(instr: string, args: string, lookup: EnvLookup): [string, string][] {
  const words = splitWords(args);
  if (words.length === 0) throw errors.invalid(`${instr} requires at least one argument`);
  let pairs: [string, string][];
  if (!words[0].includes('=')) {
    const parts = args.trim().split(/[\t\v\f\r ]+/);
    if (parts.length < 2) throw errors.invalid(`${instr} must have two arguments`);
    const value = args.trim().slice(parts[0].length).replace(/^[\t\v\f\r ]+/, '');
    pairs = [[parts[0], value]];
  } else {
    pairs = words.map((w) => {
      const i = w.indexOf('=');
      if (i < 0) throw errors.invalid(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
      return [w.slice(0, i), w.slice(i + 1)];
    });
  }
  return pairs.map(([k, v]) => {
    const key = processWord(k, lookup);
    if (key === '') throw errors.invalid(`${instr} names can not be blank`);
    return [key, processWord(v, lookup)];
  });
}

/** EXPOSE words → `port/proto` keys (ranges expanded, proto defaults to tcp). */
export function parseExposedPorts(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(?:([^:]*):)?(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/.exec(w);
    // A leading "ip:hostPort:" belongs to `-p`, not EXPOSE; Docker rejects it the same way.
    if (!m || m[1] !== undefined) throw errors.invalid(`Invalid containerPort: ${w.split('/')[0]}`);
    const start = Number(m[2]);
    const end = m[3] !== undefined ? Number(m[3]) : start;
    const proto = (m[4] ?? 'tcp').toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw errors.invalid(`Invalid proto: ${m[4]}`);
    if (start < 0 || start > 65535 || end > 65535) throw errors.invalid(`Invalid containerPort: ${w.split('/')[0]}`);
    if (end < start) throw errors.invalid(`Invalid range specified for container port: ${w.split('/')[0]}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

const SIGNALS = [
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR',
  'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG', 'USR1', 'USR2',
  'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
];

/** moby signal.ParseSignal: a number (1-64) or a name with or without `SIG`, RTMIN+n / RTMAX-n. */
export function isValidSignal(sig: string): boolean {
  if (/^\d+$/.test(sig)) return Number(sig) >= 1 && Number(sig) <= 64;
  const name = sig.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.includes(name)) return true;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return false;
  const n = Number(rt[3] ?? 0);
  return rt[1] === 'MIN' ? (rt[2] ?? '+') === '+' && n <= 30 : (rt[2] ?? '-') === '-' && n <= 30;
}

const MIN_INTERVAL_NS = 1e6;

function parseInterval(flag: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const d = parseDuration(value);
  if (d === 0) return 0;
  if (d < 0) throw errors.invalid(`Interval ${JSON.stringify(flag)} cannot be negative`);
  if (d < MIN_INTERVAL_NS) throw errors.invalid(`Interval ${JSON.stringify(flag)} cannot be less than 1ms`);
  return d;
}

export function parseHealthcheck(instr: RawInstruction): NonNullable<ImageRunConfig['healthcheck']> {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(instr.args);
  if (!m) throw errors.invalid('HEALTHCHECK requires at least one argument');
  const typ = m[1].toUpperCase();
  if (typ === 'NONE') {
    if (m[2].trim() !== '' || instr.flags.size > 0) throw errors.invalid('HEALTHCHECK NONE takes no arguments');
    return { test: ['NONE'] };
  }
  const known = new Set(['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
  for (const f of instr.flags.keys()) if (!known.has(f)) throw errors.invalid(`Unknown flag: ${f}`);
  if (typ !== 'CMD') throw errors.invalid(`Unknown type "${typ}" in HEALTHCHECK (try CMD)`);
  const cl = parseCommandLine(m[2]);
  if (cl.args.length === 0 || (!cl.json && cl.args[0] === '')) throw errors.invalid('Missing command after HEALTHCHECK CMD');
  const hc: NonNullable<ImageRunConfig['healthcheck']> = { test: [cl.json ? 'CMD' : 'CMD-SHELL', ...cl.args] };
  const interval = parseInterval('--interval', instr.flags.get('interval'));
  const timeout = parseInterval('--timeout', instr.flags.get('timeout'));
  const startPeriod = parseInterval('--start-period', instr.flags.get('start-period'));
  if (interval !== undefined) hc.interval = interval;
  if (timeout !== undefined) hc.timeout = timeout;
  if (startPeriod !== undefined) hc.startPeriod = startPeriod;
  const retries = instr.flags.get('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^-?\d+$/.test(retries)) throw errors.invalid(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    if (Number(retries) < 0) throw errors.invalid(`--retries cannot be negative (${retries})`);
    hc.retries = Number(retries);
  }
  return hc;
}

/** WORKDIR: relative paths are joined onto the current working dir, then cleaned. */
export function resolveWorkdir(current: string | undefined, requested: string): string {
  if (requested === '') throw errors.invalid('cannot normalize nothing');
  const joined = requested.startsWith('/') ? requested : `/${current ?? ''}/${requested}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** moby replaceEnvOrAppend: replace the first definition of `key` in place, else append. */
export function setEnv(env: readonly string[], key: string, value: string): string[] {
  const idx = env.findIndex((kv) => (kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv) === key);
  const copy = [...env];
  if (idx < 0) copy.push(`${key}=${value}`);
  else copy[idx] = `${key}=${value}`;
  return copy;
}

function noFlags(instr: RawInstruction): void {
  for (const f of instr.flags.keys()) throw errors.invalid(`Unknown flag: ${f}`);
}

function exactlyOne(instr: RawInstruction): string {
  if (instr.args === '') throw errors.invalid(`${instr.name.toUpperCase()} requires exactly one argument`);
  return instr.args;
}

/** State carried across the instructions of one change list / build stage. */
interface DispatchState {
  config: ImageRunConfig;
  cmdSet: boolean;
}

type Dispatcher = (s: DispatchState, instr: RawInstruction) => void;

const dispatchers: Record<(typeof CHANGE_COMMANDS)[number], Dispatcher> = {
  cmd(s, instr) {
    noFlags(instr);
    s.config.cmd = resolveCommandLine(parseCommandLine(instr.args), s.config.shell);
    s.cmdSet = true;
  },
  entrypoint(s, instr) {
    noFlags(instr);
    s.config.entrypoint = resolveCommandLine(parseCommandLine(instr.args), s.config.shell);
    // moby: an ENTRYPOINT resets an inherited CMD unless a CMD was set earlier in the same list.
    if (!s.cmdSet) s.config.cmd = null;
  },
  env(s, instr) {
    noFlags(instr);
    let env = [...(s.config.env ?? [])];
    for (const [k, v] of parseKeyValues('ENV', instr.args, envLookup(s.config.env))) env = setEnv(env, k, v);
    s.config.env = env;
  },
  expose(s, instr) {
    noFlags(instr);
    const lookup = envLookup(s.config.env);
    const words = splitWhitespace(instr.args).map((w) => processWord(w, lookup));
    if (words.length === 0) throw errors.invalid('EXPOSE requires at least one argument');
    const ports = { ...(s.config.exposedPorts ?? {}) };
    for (const p of parseExposedPorts(words)) ports[p] = {};
    s.config.exposedPorts = ports;
  },
  healthcheck(s, instr) {
    s.config.healthcheck = parseHealthcheck(instr);
  },
  label(s, instr) {
    noFlags(instr);
    const labels = { ...(s.config.labels ?? {}) };
    for (const [k, v] of parseKeyValues('LABEL', instr.args, envLookup(s.config.env))) labels[k] = v;
    s.config.labels = labels;
  },
  onbuild(s, instr) {
    noFlags(instr);
    const expr = instr.original.replace(/^\s*ONBUILD\s*/i, '');
    if (expr === '') throw errors.invalid('ONBUILD requires at least one argument');
    const trigger = parseInstructionLine(expr).name;
    if (trigger === 'onbuild') throw errors.invalid('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    if (trigger === 'from' || trigger === 'maintainer') throw errors.invalid(`${trigger.toUpperCase()} isn't allowed as an ONBUILD trigger`);
    s.config.onBuild = [...(s.config.onBuild ?? []), expr];
  },
  stopsignal(s, instr) {
    noFlags(instr);
    const sig = processWord(exactlyOne(instr), envLookup(s.config.env));
    if (!isValidSignal(sig)) throw errors.invalid(`Invalid signal: ${sig}`);
    s.config.stopSignal = sig;
  },
  user(s, instr) {
    noFlags(instr);
    s.config.user = processWord(exactlyOne(instr), envLookup(s.config.env));
  },
  volume(s, instr) {
    noFlags(instr);
    if (instr.args === '') throw errors.invalid('VOLUME requires at least one argument');
    const lookup = envLookup(s.config.env);
    const list = parseJsonArgs(instr.args) ?? splitWhitespace(instr.args);
    const volumes = { ...(s.config.volumes ?? {}) };
    for (const raw of list) {
      const v = processWord(raw, lookup).trim();
      if (v === '') throw errors.invalid('VOLUME specified can not be an empty string');
      volumes[v] = {};
    }
    s.config.volumes = volumes;
  },
  workdir(s, instr) {
    noFlags(instr);
    s.config.workingDir = resolveWorkdir(s.config.workingDir, processWord(exactlyOne(instr), envLookup(s.config.env)));
  },
};

function isChangeCommand(name: string): name is (typeof CHANGE_COMMANDS)[number] {
  return (CHANGE_COMMANDS as readonly string[]).includes(name);
}

/**
 * Applies `changes` (each one or more Dockerfile lines) to a copy of `config`.
 * Unknown/forbidden instruction → INVALID_ARGUMENT `<instr> is not a valid change command`.
 */
export function applyChanges(config: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const instrs = splitInstructions(changes.join('\n'));
  for (const i of instrs) {
    if (!isChangeCommand(i.name)) throw errors.invalid(`${i.name} is not a valid change command`);
  }
  const state: DispatchState = { config: structuredClone(config), cmdSet: false };
  for (const i of instrs) dispatchers[i.name as (typeof CHANGE_COMMANDS)[number]](state, i);
  return state.config;
}
