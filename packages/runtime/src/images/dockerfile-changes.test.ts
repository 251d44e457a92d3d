import { describe, expect, it } from 'vitest';
import { applyChanges, isValidSignal, resolveWorkdir } from './dockerfile-changes.js';
import { envLookup, parseDuration, processWord, splitInstructions, splitWords } from './dockerfile-words.js';

const apply = (...changes: string[]) => applyChanges({}, changes);

function rejects(changes: string[], message: string | RegExp): void {
  try {
    applyChanges({}, changes);
  } catch (err) {
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${JSON.stringify(changes)} to be rejected`);
}

describe('applyChanges', () => {
  it('handles CMD and ENTRYPOINT in exec and shell form', () => {
    expect(apply('CMD ["sh", "-c", "echo hi"]').cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(apply('CMD echo "hi there"').cmd).toEqual(['/bin/sh', '-c', 'echo "hi there"']);
    expect(apply('cmd []').cmd).toEqual([]);
    expect(apply('CMD [not json').cmd).toEqual(['/bin/sh', '-c', '[not json']);
    expect(apply('ENTRYPOINT ["/init"]').entrypoint).toEqual(['/init']);
    expect(apply('ENTRYPOINT top -b').entrypoint).toEqual(['/bin/sh', '-c', 'top -b']);
    expect(applyChanges({ shell: ['/bin/bash', '-o', 'pipefail', '-c'] }, ['CMD a | b']).cmd).toEqual(['/bin/bash', '-o', 'pipefail', '-c', 'a | b']);
  });

  it('resets an inherited CMD on ENTRYPOINT unless CMD came first', () => {
    expect(applyChanges({ cmd: ['sh'] }, ['ENTRYPOINT ["x"]']).cmd).toBeNull();
    expect(applyChanges({ cmd: ['sh'] }, ['CMD ["y"]', 'ENTRYPOINT ["x"]'])).toMatchObject({ cmd: ['y'], entrypoint: ['x'] });
    expect(applyChanges({ cmd: ['sh'] }, ['ENTRYPOINT ["x"]', 'CMD ["y"]'])).toMatchObject({ cmd: ['y'], entrypoint: ['x'] });
  });

  it('parses ENV in both forms, with quotes and expansion', () => {
    expect(apply('ENV A=b C=d').env).toEqual(['A=b', 'C=d']);
    expect(apply('ENV A b c').env).toEqual(['A=b c']);
    expect(apply('ENV A="x y" B=\'$A\' C=a\\ b').env).toEqual(['A=x y', 'B=$A', 'C=a b']);
    expect(apply('ENV PATH=/usr/bin', 'ENV PATH=$PATH:/x X=${PATH}').env).toEqual(['PATH=/usr/bin:/x', 'X=/usr/bin']);
    expect(applyChanges({ env: ['A=1', 'B=2'] }, ['ENV A=3']).env).toEqual(['A=3', 'B=2']);
    expect(apply('ENV A=${UNSET:-def} B=${UNSET:+alt}').env).toEqual(['A=def', 'B=']);
    rejects(['ENV A'], 'ENV must have two arguments');
    rejects(['ENV A=b C'], /can't find = in "C"/);
    rejects(['ENV =x'], 'ENV names can not be blank');
  });

  it('parses EXPOSE', () => {
    expect(apply('EXPOSE 80 53/udp 8000-8001/TCP').exposedPorts).toEqual({ '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
    rejects(['EXPOSE'], 'EXPOSE requires at least one argument');
    rejects(['EXPOSE abc'], 'Invalid containerPort: abc');
    rejects(['EXPOSE 80/xyz'], 'Invalid proto: xyz');
  });

  it('parses LABEL, USER, WORKDIR, STOPSIGNAL, ONBUILD', () => {
    const c = applyChanges({ labels: { keep: '1' } }, [
      'LABEL a=b "c d"="e f"', 'LABEL legacy value here', 'USER nobody:nogroup', 'WORKDIR /app', 'WORKDIR sub/../x',
      'STOPSIGNAL SIGINT', 'ONBUILD RUN echo hi',
    ]);
    expect(c.labels).toEqual({ keep: '1', a: 'b', 'c d': 'e f', legacy: 'value here' });
    expect(c.user).toBe('nobody:nogroup');
    expect(c.workingDir).toBe('/app/x');
    expect(c.stopSignal).toBe('SIGINT');
    expect(c.onBuild).toEqual(['RUN echo hi']);
    rejects(['STOPSIGNAL SIGFOO'], 'Invalid signal: SIGFOO');
    rejects(['USER'], 'USER requires exactly one argument');
    rejects(['ONBUILD ONBUILD RUN x'], /Chaining ONBUILD/);
    rejects(['ONBUILD FROM x'], "FROM isn't allowed as an ONBUILD trigger");
  });

  it('parses VOLUME as JSON or a space list', () => {
    expect(apply('VOLUME ["/a", "/b c"]').volumes).toEqual({ '/a': {}, '/b c': {} });
    expect(apply('VOLUME /x /y').volumes).toEqual({ '/x': {}, '/y': {} });
    rejects(['VOLUME [""]'], 'VOLUME specified can not be an empty string');
  });

  it('parses HEALTHCHECK', () => {
    expect(apply('HEALTHCHECK NONE').healthcheck).toEqual({ test: ['NONE'] });
    expect(apply('HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://x/').healthcheck).toEqual({
      test: ['CMD-SHELL', 'curl -f http://x/'], interval: 30e9, timeout: 90e9, retries: 3,
    });
    expect(apply('HEALTHCHECK CMD ["true"]').healthcheck).toEqual({ test: ['CMD', 'true'] });
    rejects(['HEALTHCHECK --bogus=1 CMD x'], 'Unknown flag: bogus');
    rejects(['HEALTHCHECK --interval=1us CMD x'], /cannot be less than/);
    rejects(['HEALTHCHECK FOO'], /Unknown type "FOO"/);
  });

  it('refuses other instructions and flags, changing nothing', () => {
    rejects(['RUN echo'], 'run is not a valid change command');
    rejects(['CMD ["ok"]', 'FROM busybox'], 'from is not a valid change command');
    rejects(['ADD a b'], 'add is not a valid change command');
    rejects(['CMD --x=1 sh'], 'Unknown flag: x');
    const base = { cmd: ['a'] };
    expect(() => applyChanges(base, ['CMD ["b"]', 'SHELL ["x"]'])).toThrow();
    expect(base.cmd).toEqual(['a']);
  });

  it('does not mutate its input and ignores comments and blanks', () => {
    const base = { env: ['A=1'] };
    const out = applyChanges(base, ['', '# comment', 'ENV B=2']);
    expect(base.env).toEqual(['A=1']);
    expect(out.env).toEqual(['A=1', 'B=2']);
  });
});

describe('dockerfile words', () => {
  it('splits instructions with continuations', () => {
    const i = splitInstructions('# c\nRUN a \\\n  b\n\nHEALTHCHECK --interval=5s CMD x');
    expect(i.map((x) => [x.name, x.args])).toEqual([['run', 'a   b'], ['healthcheck', 'CMD x']]);
    expect(i[1].flags.get('interval')).toBe('5s');
  });

  it('splits words keeping quotes', () => {
    expect(splitWords('a="b c" d=\'e f\' g=h\\ i')).toEqual(['a="b c"', "d='e f'", 'g=h\\ i']);
  });

  it('processes words like the shell lexer', () => {
    const env = envLookup(['A=1', 'E=']);
    expect(processWord('"$A" \'$A\' \\$A ${A}x $Ax $ ${E:-d} ${E-d}', env)).toBe('1 $A $A 1x  $ d ');
    expect(() => processWord('"open', env)).toThrow(/double-quote/);
    expect(() => processWord('${A%x}', env)).toThrow(/unsupported modifier/);
  });

  it('parses Go durations', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3723.5e9);
    expect(parseDuration('250ms')).toBe(250e6);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('5')).toThrow(/invalid duration/);
  });

  it('validates signals and workdirs', () => {
    expect(['9', 'KILL', 'sigterm', 'SIGRTMIN+3', 'RTMAX'].every(isValidSignal)).toBe(true);
    expect(['0', '65', 'FOO', 'SIGRTMIN-1'].some(isValidSignal)).toBe(false);
    expect(resolveWorkdir(undefined, 'a')).toBe('/a');
    expect(resolveWorkdir('/x', '../../y/.')).toBe('/y');
  });
});
