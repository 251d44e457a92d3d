import { describe, expect, it } from 'vitest';
import { BridgeNetworkManager } from './bridge-network-manager.js';

const mk = () => new BridgeNetworkManager({ stateDir: '/nonexistent-berth-test', bridgeName: 'bu0', netnsPrefix: 'bu-' });
const ID = 'ab'.repeat(32);

describe('BridgeNetworkManager (no root)', () => {
  it('derives short, id-based names', () => {
    const m = mk();
    expect(m.netnsName(ID)).toBe(`bu-${ID}`);
    expect(m.netnsPath(ID)).toBe(`/var/run/netns/bu-${ID}`);
    expect(m.vethName(ID)).toBe('vbabababababa');
    expect(m.vethName(ID).length).toBeLessThanOrEqual(15);
    // Non-hex ids are hashed so names stay valid and recognisable by reconcile.
    expect(m.netnsName('my container')).toMatch(/^bu-[0-9a-f]{64}$/);
  });

  it('host mode needs no namespace and touches nothing', async () => {
    expect(await mk().attach({ containerId: ID, mode: 'host', hostname: 'h' })).toEqual({
      netnsPath: null, ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '', networkName: '',
    });
  });

  it('rejects unknown networks the way Docker words it', async () => {
    await expect(mk().attach({ containerId: ID, mode: 'mynet', hostname: 'h' }))
      .rejects.toMatchObject({ code: 'NOT_FOUND', message: 'network mynet not found' });
    await expect(mk().attach({ containerId: ID, mode: `container:${ID}`, hostname: 'h' }))
      .rejects.toMatchObject({ code: 'NOT_IMPLEMENTED' });
  });

  it('validates options', () => {
    expect(() => new BridgeNetworkManager({ stateDir: '/x', bridgeName: 'much-too-long-bridge' })).toThrow(/invalid bridge name/);
    expect(() => new BridgeNetworkManager({ stateDir: '/x', subnet: '10.0.0.0/33' })).toThrow(/invalid subnet/);
  });
});
