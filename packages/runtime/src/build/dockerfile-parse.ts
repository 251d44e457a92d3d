/**
 * @module build/dockerfile-parse
 * Dockerfile text → instructions with line numbers, following BuildKit's
 * frontend/dockerfile/parser: parser directives (`# syntax=`, `# escape=`, `# check=`) only at the
 * very top; `#` comment lines dropped (also inside continuations); a line ending in the escape
 * character continues on the next one; heredocs (`<<EOF`, `<<-EOF`, quoted terminators = no
 * expansion) for RUN/COPY/ADD collect the lines after the instruction up to the terminator.
 * Then `splitStages` groups them by FROM (ARGs before the first FROM are global) and validates
 * names, so every syntax error surfaces before anything runs, as
 * `Dockerfile parse error line N: …` (the classic builder's wording).
 */
import { errors, type EngineError } from '../errors/engine-error.js';
import { parseInstructionLine, splitWhitespace } from '../images/dockerfile-words.js';

/** Cap on the Dockerfile itself: BuildKit has none, but nothing sane comes close. */
export const MAX_DOCKERFILE_BYTES = 2 * 1024 * 1024;

export const INSTRUCTIONS = [
  'from', 'run', 'cmd', 'entrypoint', 'env', 'arg', 'workdir', 'user', 'copy', 'add', 'expose', 'label', 'volume',
  'healthcheck', 'shell', 'stopsignal', 'onbuild', 'maintainer',
] as const;
export type InstructionName = (typeof INSTRUCTIONS)[number];

export interface Heredoc {
  name: string;
  content: string;
  /** Unquoted terminator: `$VAR` in the body is expanded (by the shell for RUN). */
  expand: boolean;
}

export interface Instruction {
  /** 1-based line of the instruction's first line. */
  line: number;
  name: InstructionName;
  flags: Map<string, string>;
  /** Text after the name and flags (continuations joined). */
  args: string;
  /** As written, continuations joined (no heredoc bodies). */
  original: string;
  heredocs: Heredoc[];
}

export interface ParsedDockerfile {
  escape: '\\' | '`';
  syntax?: string;
  instructions: Instruction[];
  warnings: string[];
}

export function parseError(line: number, message: string, cause?: unknown): EngineError {
  return errors.invalid(`Dockerfile parse error line ${line}: ${message}`, cause);
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC = /(?<!<)<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export function parseDockerfile(text: string): ParsedDockerfile {
  if (Buffer.byteLength(text) > MAX_DOCKERFILE_BYTES) {
    throw errors.invalid(`Dockerfile is too large (${Buffer.byteLength(text)} bytes; the limit is ${MAX_DOCKERFILE_BYTES})`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: ParsedDockerfile = { escape: '\\', instructions: [], warnings: [] };
  let i = 0;
  // Directives: consecutive `# key=value` lines at the very top; anything else ends them.
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw parseError(i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      out.escape = m[2];
    } else if (key === 'syntax') {
      out.syntax = m[2];
    }
  }
  const esc = out.escape;
  const contRe = new RegExp(`${esc === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  while (i < lines.length) {
    const raw = lines[i]!;
    if (/^\s*#/.test(raw) || raw.trim() === '') { i++; continue; }
    const start = i + 1;
    let joined = '';
    let cur = raw;
    for (;;) {
      const c = contRe.exec(cur);
      if (!c) { joined += cur; i++; break; }
      joined += cur.slice(0, c.index);
      i++;
      // Comment and blank lines inside a continuation are skipped (BuildKit warns about blanks).
      while (i < lines.length && (/^\s*#/.test(lines[i]!) || lines[i]!.trim() === '')) {
        if (lines[i]!.trim() === '') out.warnings.push(`Empty continuation line found in line ${start}`);
        i++;
      }
      if (i >= lines.length) break;
      cur = lines[i]!;
    }
    const instr = toInstruction(joined.trim(), start);
    if (instr.name === 'run' || instr.name === 'copy' || instr.name === 'add') {
      for (const m of instr.args.matchAll(HEREDOC)) {
        const strip = m[1] === '-';
        const name = m[3]!;
        const body: string[] = [];
        for (;;) {
          if (i >= lines.length) throw parseError(start, `unterminated heredoc ${name}`);
          const l = lines[i++]!;
          const cmp = strip ? l.replace(/^\t+/, '') : l;
          if (cmp === name) break;
          body.push(cmp);
        }
        instr.heredocs.push({ name, content: body.length ? `${body.join('\n')}\n` : '', expand: m[2] === '' });
      }
    }
    out.instructions.push(instr);
  }
  return out;
}

function toInstruction(line: string, lineNo: number): Instruction {
  let raw;
  try {
    raw = parseInstructionLine(line);
  } catch (err) {
    throw parseError(lineNo, (err as Error).message, err);
  }
  if (!(INSTRUCTIONS as readonly string[]).includes(raw.name)) {
    throw parseError(lineNo, `unknown instruction: ${line.split(/\s/, 1)[0]!.toUpperCase()}`);
  }
  // Only these take `--flags`; elsewhere a leading `--x` is part of the arguments (e.g. CMD --help).
  const flagged = ['from', 'run', 'copy', 'add', 'healthcheck'].includes(raw.name);
  const args = flagged ? raw.args : line.replace(/^\S+\s*/, '').trim();
  return {
    line: lineNo, name: raw.name as InstructionName, flags: flagged ? raw.flags : new Map(), args, original: line, heredocs: [],
  };
}

export interface Stage {
  /** 0-based index; COPY --from=N refers to it. */
  index: number;
  /** `AS name`, lowercased (stage names are case-insensitive). */
  name?: string;
  from: Instruction;
  /** Base image as written (may contain ARG references). */
  baseName: string;
  platform?: string;
  instructions: Instruction[];
}

export interface StagePlan {
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

export function splitStages(parsed: ParsedDockerfile): StagePlan {
  const plan: StagePlan = { globalArgs: [], stages: [] };
  for (const ins of parsed.instructions) {
    if (ins.name === 'from') {
      const words = splitWhitespace(ins.args);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
        throw parseError(ins.line, 'FROM requires either one or three arguments');
      }
      for (const f of ins.flags.keys()) if (f !== 'platform') throw parseError(ins.line, `Unknown flag: ${f}`);
      const stage: Stage = { index: plan.stages.length, from: ins, baseName: words[0]!, instructions: [] };
      if (words.length === 3) {
        const name = words[2]!.toLowerCase();
        if (!STAGE_NAME.test(name)) throw parseError(ins.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
        if (plan.stages.some((s) => s.name === name)) throw parseError(ins.line, `duplicate name ${name}`);
        stage.name = name;
      }
      const platform = ins.flags.get('platform');
      if (platform) stage.platform = platform;
      plan.stages.push(stage);
      continue;
    }
    const stage = plan.stages[plan.stages.length - 1];
    if (!stage) {
      if (ins.name !== 'arg') throw parseError(ins.line, 'no build stage in current context');
      plan.globalArgs.push(ins);
      continue;
    }
    stage.instructions.push(ins);
  }
  if (plan.stages.length === 0) throw errors.invalid('Dockerfile parse error: file with no instructions');
  return plan;
}
