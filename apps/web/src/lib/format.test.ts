import { describe, expect, it } from 'vitest';
import { formatBytes, parseEnv, parsePorts, parseVolumes, splitCommand } from './format.js';

describe('format', () => {
  it('splits commands with quotes', () => {
    expect(splitCommand(`sh -c 'echo hi; sleep 1' "a b" c\\ d ''`)).toEqual(['sh', '-c', 'echo hi; sleep 1', 'a b', 'c d', '']);
    expect(() => splitCommand('a "b')).toThrow(/unterminated/);
  });
  it('parses ports, volumes and env like docker run', () => {
    expect(parsePorts('8080:80, 53/udp')).toEqual([{ host: 8080, container: 80, proto: 'tcp' }, { container: 53, proto: 'udp' }]);
    expect(() => parsePorts('x:80')).toThrow(/bad port/);
    expect(parseVolumes('/a:/b:ro\ndata:/var/data')).toEqual([{ source: '/a', target: '/b', readOnly: true }, { source: 'data', target: '/var/data' }]);
    expect(() => parseVolumes('/a:b')).toThrow(/bad volume/);
    expect(parseEnv('A=1\n\nB=x=y')).toEqual(['A=1', 'B=x=y']);
    expect(() => parseEnv('NOPE')).toThrow(/bad env/);
  });
  it('formats bytes', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
  });
});
