import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '@berth/runtime';
import { portList, portMap } from './container-state.js';
import { toCreateSpec } from './container-create.js';
import { ContainerCreateBodySchema } from '../schema/container-create.js';

/** Only the fields the port mappers read. */
const rec = (status: string, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  state: { status },
  config: { exposedPorts: { '4444/tcp': {}, '9000/tcp': {} } },
  hostConfig: { portBindings: { '4444/tcp': [{ hostIp: '', hostPort: '' }] } },
  ...extra,
}) as unknown as ContainerRecord;

describe('published ports on the wire', () => {
  it('maps PublishAllPorts (-P) from the create body', () => {
    const s = toCreateSpec(ContainerCreateBodySchema.parse({ Image: 'busybox', HostConfig: { PublishAllPorts: true } }), undefined);
    expect(s.hostConfig.publishAllPorts).toBe(true);
    expect(s.ignored).toBeUndefined();
  });

  it('reports the assigned host ports while running, and nothing once exited', () => {
    const network = {
      ipAddress: '10.0.0.2', ipPrefixLen: 24, gateway: '10.0.0.1', macAddress: '', networkName: 'bridge',
      ports: { '4444/tcp': [{ hostIp: '0.0.0.0', hostPort: '32768' }] },
    };
    const running = rec('running', { network });
    expect(portMap(running)).toEqual({ '4444/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '9000/tcp': null });
    expect(portList(running)).toEqual([
      { IP: '0.0.0.0', PrivatePort: 4444, PublicPort: 32768, Type: 'tcp' },
      { PrivatePort: 9000, Type: 'tcp' },
    ]);
    expect(portMap(rec('exited'))).toEqual({});
  });
});
