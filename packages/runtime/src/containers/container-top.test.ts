import { describe, expect, it } from 'vitest';
import { parsePsOutput, validatePsArgs } from './container-top.js';

const PS_EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root        4242    4200  0 10:01 ?        00:00:00 sleep 1000
root        4243    4242  0 10:01 pts/0    00:00:00 sh -c echo  a   b
`;

describe('parsePsOutput', () => {
  it('keeps only the container pids and merges the command into the last column', () => {
    const top = parsePsOutput(PS_EF, new Set([4242, 4243]));
    expect(top.titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(top.processes).toEqual([
      ['root', '4242', '4200', '0', '10:01', '?', '00:00:00', 'sleep 1000'],
      ['root', '4243', '4242', '0', '10:01', 'pts/0', '00:00:00', 'sh -c echo a b'],
    ]);
  });

  it('keeps thread rows (`-` pid) that follow a kept process', () => {
    const out = 'USER PID TID CMD\nroot 10 - a\nroot - 10 -\nroot 11 - b\nroot - 11 -\n';
    expect(parsePsOutput(out, new Set([10])).processes).toEqual([['root', '10', '-', 'a'], ['root', '-', '10', '-']]);
  });

  it('fails without a PID column or with a garbage pid', () => {
    expect(() => parsePsOutput('USER CMD\nroot x\n', new Set([1]))).toThrow(/PID field/);
    expect(() => parsePsOutput('PID CMD\nabc x\n', new Set([1]))).toThrow(/Unexpected pid 'abc'/);
  });
});

describe('validatePsArgs', () => {
  it('refuses renaming a PID column to something other than pid', () => {
    expect(() => validatePsArgs('-o pid=PID,comm')).not.toThrow();
    expect(() => validatePsArgs('-o user= PID')).toThrow(/specifying "user=PID" is not allowed/);
    expect(() => validatePsArgs('aux')).not.toThrow();
  });
});
