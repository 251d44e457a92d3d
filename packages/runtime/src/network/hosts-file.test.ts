import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../containers/container-types.js';
import { PEERS_MARKER, linkEnv, linkHostsLine, parseLink, peersBlock, withPeers } from './hosts-file.js';

describe('hosts file', () => {
  it('replaces only the peers block', () => {
    const base = '127.0.0.1\tlocalhost\n10.0.0.2\tme\n';
    const b1 = peersBlock([{ ip: '10.0.0.3', names: ['web', 'alias', 'web'] }]);
    expect(b1).toBe(`${PEERS_MARKER}\n10.0.0.3\tweb alias\n`);
    const once = withPeers(base, b1);
    expect(withPeers(once, peersBlock([]))).toBe(base);
    expect(withPeers(once, peersBlock([{ ip: '10.0.0.4', names: ['db'] }]))).toBe(`${base}${PEERS_MARKER}\n10.0.0.4\tdb\n`);
  });

  it('parses links and formats Docker link env', () => {
    expect(parseLink('db:dbalias')).toEqual(['db', 'dbalias']);
    expect(parseLink('/db')).toEqual(['db', 'db']);
    const target = {
      id: 'a'.repeat(64), name: 'db',
      config: { exposedPorts: { '6379/tcp': {}, '53/udp': {} }, env: ['PATH=/bin', 'PASS=x=y'] },
    } as unknown as ContainerRecord;
    expect(linkHostsLine('dbalias', target, '10.0.0.9')).toBe(`10.0.0.9\tdbalias ${'a'.repeat(12)} db\n`);
    const env = linkEnv('web', 'db-alias', target, '10.0.0.9');
    expect(env).toContain('DB_ALIAS_PORT=udp://10.0.0.9:53');
    expect(env).toContain('DB_ALIAS_PORT_6379_TCP=tcp://10.0.0.9:6379');
    expect(env).toContain('DB_ALIAS_PORT_6379_TCP_ADDR=10.0.0.9');
    expect(env).toContain('DB_ALIAS_NAME=/web/db-alias');
    expect(env).toContain('DB_ALIAS_ENV_PASS=x=y');
    expect(env.some((e) => e.startsWith('DB_ALIAS_ENV_PATH'))).toBe(false);
  });
});
