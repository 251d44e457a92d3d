import { describe, expect, it } from 'vitest';
import { parseDockerfile, type Instruction } from './dockerfile-parse.js';
import { applyMeta, findArgCycle, parseArgs, type MetaName } from './meta-steps.js';
import type { StageState } from './build-state.js';

const ins = (text: string): Instruction => parseDockerfile(text).instructions[0]!;
const state = (over: Partial<StageState> = {}): StageState => ({ image: null, config: { env: ['PATH=/bin'] }, args: new Map(), cmdSet: false, escape: '\\', ...over });
const meta = (st: StageState, text: string) => applyMeta(st, ins(text) as Instruction & { name: MetaName });

describe('metadata instructions', () => {
  it('ENV substitutes with ARG values, ENV wins over ARG, and replaces keys in place', () => {
    const st = state({ args: new Map([['V', 'from-arg'], ['PATH', 'arg-path']]), config: { env: ['PATH=/bin', 'X=1'] } });
    const r = meta(st, 'ENV A="${V:-d} x" PATH=$PATH:/usr/bin X=2');
    expect(r.config.env).toEqual(['PATH=/bin:/usr/bin', 'X=2', 'A=from-arg x']);
    expect(r.text).toBe('ENV A="from-arg x" PATH=/bin:/usr/bin X=2');
    expect(st.config.env).toEqual(['PATH=/bin', 'X=1']); // pure
  });

  it('ENV honours # escape=` (a backslash is then literal)', () => {
    const r = meta(state({ escape: '`' }), 'ENV P=C:\\dir A=x`$y');
    expect(r.config.env).toEqual(['PATH=/bin', 'P=C:\\dir', 'A=x$y']);
  });

  it('MAINTAINER sets the author only', () => {
    expect(meta(state(), 'MAINTAINER someone <a@b>')).toMatchObject({ author: 'someone <a@b>', config: { env: ['PATH=/bin'] } });
  });

  it('an unterminated quote is an error', () => {
    expect(() => meta(state(), 'ENV A="abc')).toThrow(/matching double-quote/);
  });

  it('ENTRYPOINT drops an inherited CMD but keeps one set in the stage', () => {
    const base = state({ config: { cmd: ['sh'] } });
    expect(meta(base, 'ENTRYPOINT ["echo"]').config).toEqual({ cmd: null, entrypoint: ['echo'] });
    expect(meta({ ...base, cmdSet: true }, 'ENTRYPOINT echo hi').config).toEqual({ cmd: ['sh'], entrypoint: ['/bin/sh', '-c', 'echo hi'] });
  });

  it('CMD shell form uses SHELL; SHELL needs JSON', () => {
    const st = state({ config: { shell: ['/bin/bash', '-c'] } });
    expect(meta(st, 'CMD echo hi').config.cmd).toEqual(['/bin/bash', '-c', 'echo hi']);
    expect(() => meta(st, 'SHELL /bin/sh -c')).toThrow(/JSON form/);
  });

  it('WORKDIR, USER, EXPOSE, VOLUME, LABEL, STOPSIGNAL, HEALTHCHECK, ONBUILD', () => {
    let st = state({ args: new Map([['D', 'sub']]) });
    const step = (t: string) => { const r = meta(st, t); st = { ...st, config: r.config }; return r; };
    step('WORKDIR /app');
    expect(step('WORKDIR $D').config.workingDir).toBe('/app/sub');
    expect(step('USER 1000:1000').config.user).toBe('1000:1000');
    expect(step('EXPOSE 80 53/udp').config.exposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(step('VOLUME ["/data", "/$D"]').config.volumes).toEqual({ '/data': {}, '/sub': {} });
    expect(step('LABEL a=1 "b c"=d').config.labels).toEqual({ a: '1', 'b c': 'd' });
    expect(step('STOPSIGNAL SIGINT').config.stopSignal).toBe('SIGINT');
    expect(() => step('STOPSIGNAL NOPE')).toThrow(/Invalid signal/);
    expect(step('HEALTHCHECK --interval=1s --retries=2 CMD true').config.healthcheck).toEqual({ test: ['CMD-SHELL', 'true'], interval: 1e9, retries: 2 });
    expect(step('ONBUILD RUN echo hi').config.onBuild).toEqual(['RUN echo hi']);
    expect(() => step('ONBUILD ONBUILD RUN x')).toThrow(/Chaining ONBUILD/);
  });
});

describe('ARG', () => {
  it('parses several declarations with processed defaults', () => {
    const st = state({ config: { env: ['E=e'] } });
    expect(parseArgs(st, ins('ARG A B=${E}x C="q r"'))).toEqual([['A', undefined], ['B', 'ex'], ['C', 'q r']]);
    expect(() => parseArgs(st, ins('ARG 1A=x'))).toThrow(/invalid ARG name/);
  });

  it('reports cycles, not self-references or plain chains', () => {
    const args = (t: string) => parseDockerfile(t).instructions;
    expect(findArgCycle(args('ARG A=${B}\nARG B=${A}\n'))).toEqual({ line: 1, path: ['A', 'B', 'A'] });
    expect(findArgCycle(args('ARG A=1\nARG B=$A\nARG C=${B:-x}\n'))).toBeUndefined();
    expect(findArgCycle(args('ARG P=$P:/x\n'))).toBeUndefined();
    expect(findArgCycle(args('ARG A=$B\nARG B=$C\nARG C=$A\n'))?.path).toEqual(['A', 'B', 'C', 'A']);
  });
});
