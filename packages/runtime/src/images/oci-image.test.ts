import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Digest, ImageRunConfig } from './image-types.js';
import {
  chainIdOf, chainIdsOf, fromOciRunConfig, layerMediaTypeOf, parseImageConfig, parsePlatform, serializeImageConfig, toOciRunConfig,
} from './oci-image.js';

const d = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('chain ids', () => {
  it('follows the OCI rule', () => {
    expect(chainIdOf([])).toBeNull();
    expect(chainIdOf([d('a')])).toBe(d('a'));
    const two = `sha256:${hex(`${d('a')} ${d('b')}`)}`;
    expect(chainIdOf([d('a'), d('b')])).toBe(two);
    expect(chainIdsOf([d('a'), d('b'), d('c')])).toEqual([d('a'), two, `sha256:${hex(`${two} ${d('c')}`)}`]);
  });
});

describe('config JSON', () => {
  const config: ImageRunConfig = {
    user: 'u', exposedPorts: { '80/tcp': {} }, env: ['A=b'], entrypoint: null, cmd: ['sh'], volumes: { '/v': {} },
    workingDir: '/w', labels: { l: 'v' }, stopSignal: 'SIGINT', onBuild: ['RUN x'], shell: ['/bin/bash', '-c'],
    healthcheck: { test: ['CMD', 'true'], interval: 1e9, retries: 2 },
  };

  it('maps the run config to PascalCase and back', () => {
    const oci = toOciRunConfig(config);
    expect(oci).toMatchObject({ User: 'u', ExposedPorts: { '80/tcp': {} }, Entrypoint: null, Cmd: ['sh'], Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9, Retries: 2 } });
    expect(fromOciRunConfig(oci)).toEqual(config);
  });

  it('round-trips a whole config blob', () => {
    const blob = serializeImageConfig({
      created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config, diffIds: [d('a')],
      history: [{ created: '2024-01-01T00:00:00Z', createdBy: '', comment: 'c' }, { createdBy: 'CMD', emptyLayer: true }],
    });
    const j = JSON.parse(blob.toString());
    expect(j.rootfs).toEqual({ type: 'layers', diff_ids: [d('a')] });
    expect(j.history[1]).toEqual({ created_by: 'CMD', empty_layer: true });
    const back = parseImageConfig(blob);
    expect(back).toMatchObject({ architecture: 'amd64', os: 'linux', config, diffIds: [d('a')] });
    expect(back.history[1]).toEqual({ createdBy: 'CMD', emptyLayer: true });
    expect(() => parseImageConfig('{"rootfs":{}}')).toThrow(/diff_ids/);
    expect(() => parseImageConfig('nope')).toThrow(/not JSON/);
  });
});

describe('media types and platforms', () => {
  it('sniffs compression', () => {
    expect(layerMediaTypeOf(Buffer.from([0x1f, 0x8b, 8]))).toMatch(/tar\+gzip$/);
    expect(layerMediaTypeOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toMatch(/tar\+zstd$/);
    expect(layerMediaTypeOf(Buffer.from('bin/'))).toBe('application/vnd.oci.image.layer.v1.tar');
  });

  it('parses platforms', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/x86_64').architecture).toBe('amd64');
    expect(() => parsePlatform('windows/amd64')).toThrow(/cannot be used on this platform/);
    expect(() => parsePlatform('linux/a/b/c')).toThrow(/unknown operating system/);
  });
});
