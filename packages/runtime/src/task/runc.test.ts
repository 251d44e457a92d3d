import { describe, expect, it } from 'vitest';
import { CommandError } from '../util/exec-file.js';
import { mapRuncError, runcMessage } from './runc.js';
import { conmonArgs, isUserError } from './conmon-launch.js';

const cmdErr = (stderr: string): CommandError => new CommandError(['runc', 'x'], 1, stderr, '');
const line = (msg: string): string => `time="2026-11-29T13:50:33Z" level=error msg="${msg}"\n`;

describe('runc error mapping', () => {
  it('extracts the logrus msg, unescaping quotes', () => {
    expect(runcMessage(line('runc create failed: exec: \\"/nope\\": stat /nope: no such file or directory')))
      .toBe('runc create failed: exec: "/nope": stat /nope: no such file or directory');
    expect(runcMessage('plain text\n')).toBe('plain text');
  });

  it('maps runc messages to engine codes', () => {
    expect(mapRuncError(cmdErr(line('container does not exist')), 'kill', 'abc')).toMatchObject({ code: 'NOT_FOUND', message: 'No such container: abc' });
    expect(mapRuncError(cmdErr(line('container not running')), 'kill', 'abc')).toMatchObject({ code: 'CONFLICT', message: 'Container abc is not running' });
    expect(mapRuncError(cmdErr(line('container not paused')), 'resume', 'abc')).toMatchObject({ code: 'CONFLICT', message: 'Container abc is not paused' });
    expect(mapRuncError(cmdErr(line('cannot start an already running container')), 'start', 'abc')).toMatchObject({ code: 'CONFLICT' });
    expect(mapRuncError(cmdErr(line('cannot start a container that has stopped')), 'start', 'abc')).toMatchObject({ code: 'CONFLICT' });
    const other = mapRuncError(cmdErr(line('something odd')), 'pause', 'abc');
    expect(other).toMatchObject({ code: 'INTERNAL', message: 'runc pause abc failed: something odd' });
    expect(other.cause).toBeInstanceOf(CommandError);
  });
});

describe('conmon launch', () => {
  const cfg = { conmonPath: '/usr/bin/conmon', runcPath: '/usr/sbin/runc', runcRoot: '/r', exitDir: '/e', socketDir: '/s' };
  const t = { id: 'c1', bundleDir: '/b', logPath: '/b/ctr.log', tty: false, stdin: false, stdinOnce: false, name: 'n' };
  it('passes the Podman-style flags', () => {
    const a = conmonArgs(cfg, t, '/b/persist');
    expect(a.join(' ')).toBe('--api-version 1 -c c1 -u c1 -n n -r /usr/sbin/runc -b /b -p /b/pidfile -P /b/conmon.pid '
      + '-l k8s-file:/b/ctr.log --exit-dir /e --persist-dir /b/persist --socket-dir-path /s --full-attach '
      + '--runtime-arg --root --runtime-arg /r --leave-stdin-open');
    expect(conmonArgs(cfg, { ...t, stdin: true, tty: true, stdinOnce: true }, '/p')).toEqual(expect.arrayContaining(['-i', '-t']));
    expect(conmonArgs(cfg, { ...t, stdinOnce: true }, '/p')).not.toContain('--leave-stdin-open');
    expect(conmonArgs(cfg, t, '/p')).not.toContain('--sync');
  });
  it('classifies binary problems as user errors', () => {
    expect(isUserError('runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory')).toBe(true);
    expect(isUserError('exec: "x": executable file not found in $PATH')).toBe(true);
    expect(isUserError('runc create failed: cgroup busy')).toBe(false);
  });
});
