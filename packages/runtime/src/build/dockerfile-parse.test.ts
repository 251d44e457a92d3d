import { describe, expect, it } from 'vitest';
import { MAX_DOCKERFILE_BYTES, parseDockerfile, splitStages } from './dockerfile-parse.js';

describe('parseDockerfile', () => {
  it('joins continuations, skips comments (also inside continuations) and keeps line numbers', () => {
    const p = parseDockerfile('# comment\nFROM busybox\n\nRUN echo a \\\n  # inner comment\n  && echo b\nENV A=1\n');
    expect(p.instructions.map((i) => [i.line, i.name, i.args])).toEqual([
      [2, 'from', 'busybox'], [4, 'run', 'echo a   && echo b'], [7, 'env', 'A=1'],
    ]);
  });

  it('reads directives only at the top and honours # escape=`', () => {
    const p = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  b\n# escape=\\\n');
    expect(p.syntax).toBe('docker/dockerfile:1');
    expect(p.escape).toBe('`');
    expect(p.instructions[1]!.args).toBe('echo a   b');
    // a directive-looking comment after an instruction is just a comment
    expect(p.instructions).toHaveLength(2);
  });

  it('rejects a bad escape directive and a repeated directive', () => {
    expect(() => parseDockerfile('# escape=x\nFROM a\n')).toThrow(/line 1: invalid escape token/);
    expect(() => parseDockerfile('# escape=`\n# escape=`\nFROM a\n')).toThrow(/only one escape/);
  });

  it('names the line of an unknown instruction', () => {
    expect(() => parseDockerfile('FROM busybox\n\nFOO bar\n')).toThrow('Dockerfile parse error line 3: unknown instruction: FOO');
  });

  it('extracts flags only for instructions that take them', () => {
    const p = parseDockerfile('FROM --platform=linux/amd64 busybox AS b\nCOPY --from=b --chown=1:2 a /b\nCMD --help\n');
    expect(p.instructions[0]!.flags.get('platform')).toBe('linux/amd64');
    expect(Object.fromEntries(p.instructions[1]!.flags)).toEqual({ from: 'b', chown: '1:2' });
    expect(p.instructions[2]!.args).toBe('--help');
  });

  it('collects heredocs for RUN/COPY, with <<- tab stripping and quoted terminators', () => {
    const p = parseDockerfile('FROM a\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-"X" /f\n\thello\n\tX\nRUN cat <<<"not a heredoc"\n');
    const [, run, copy, here] = p.instructions;
    expect(run!.heredocs).toEqual([{ name: 'EOF', content: 'echo $HOME\n', expand: true }]);
    expect(copy!.heredocs).toEqual([{ name: 'X', content: 'hello\n', expand: false }]);
    expect(here!.heredocs).toEqual([]);
    expect(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n')).toThrow(/line 2: unterminated heredoc EOF/);
  });

  it('caps the size', () => {
    expect(() => parseDockerfile(`FROM a\n#${'x'.repeat(MAX_DOCKERFILE_BYTES)}`)).toThrow(/too large/);
  });

  it('handles CRLF and a BOM', () => {
    const p = parseDockerfile('\uFEFFFROM a\r\nRUN x \\\r\n y\r\n');
    expect(p.instructions.map((i) => i.args)).toEqual(['a', 'x  y']);
  });
});

describe('splitStages', () => {
  it('groups by FROM, keeps global ARGs and stage names', () => {
    const plan = splitStages(parseDockerfile('ARG V=1\nFROM busybox:${V} AS Base\nRUN a\nFROM base\nCOPY --from=base /a /b\n'));
    expect(plan.globalArgs.map((i) => i.args)).toEqual(['V=1']);
    expect(plan.stages.map((s) => [s.index, s.name, s.baseName, s.instructions.length])).toEqual([[0, 'base', 'busybox:${V}', 1], [1, undefined, 'base', 1]]);
  });

  it('rejects instructions before FROM, bad FROM forms, duplicate names and empty files', () => {
    expect(() => splitStages(parseDockerfile('RUN x\nFROM a\n'))).toThrow('line 1: no build stage in current context');
    expect(() => splitStages(parseDockerfile('FROM a b\n'))).toThrow(/one or three arguments/);
    expect(() => splitStages(parseDockerfile('FROM a AS x\nFROM b AS X\n'))).toThrow(/line 2: duplicate name x/);
    expect(() => splitStages(parseDockerfile('FROM a AS 1x\n'))).toThrow(/invalid name for build stage/);
    expect(() => splitStages(parseDockerfile('# nothing\n'))).toThrow(/no instructions/);
  });
});
