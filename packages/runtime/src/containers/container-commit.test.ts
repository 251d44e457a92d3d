import { describe, expect, it } from 'vitest';
import { commitConfig } from './container-commit.js';
import type { ContainerConfig } from './container-types.js';

const config = (c: Partial<ContainerConfig> = {}): { config: ContainerConfig } => ({
  config: {
    hostname: 'h', domainname: '', user: '', attachStdin: false, attachStdout: true, attachStderr: true, exposedPorts: {},
    tty: false, openStdin: false, stdinOnce: false, env: ['PATH=/bin'], cmd: ['sh', '-c', 'echo hi'], entrypoint: null,
    image: 'busybox', volumes: {}, workingDir: '', labels: {}, ...c,
  },
});

describe('commitConfig', () => {
  it('takes the container config over the image, keeping image-only fields', () => {
    const out = commitConfig({ cmd: ['sh'], env: ['PATH=/bin'], shell: ['/bin/ash', '-c'], labels: { a: '1' } }, config({ labels: { a: '1', b: '2' } }));
    expect(out).toEqual({ cmd: ['sh', '-c', 'echo hi'], entrypoint: null, env: ['PATH=/bin'], shell: ['/bin/ash', '-c'], labels: { a: '1', b: '2' } });
  });

  it('applies body overrides (env merged by key) and then --change instructions', () => {
    const out = commitConfig({}, config({ env: ['PATH=/bin', 'A=1'] }), { env: ['A=2', 'B=3'], user: 'nobody' },
      ['CMD ["cat","/c.txt"]', 'ENV ACC_VAR=acc-value', 'WORKDIR /tmp']);
    expect(out.env).toEqual(['PATH=/bin', 'A=2', 'B=3', 'ACC_VAR=acc-value']);
    expect(out.cmd).toEqual(['cat', '/c.txt']);
    expect(out.workingDir).toBe('/tmp');
    expect(out.user).toBe('nobody');
  });

  it('rejects an invalid change before anything is committed', () => {
    expect(() => commitConfig({}, config(), {}, ['FROM busybox'])).toThrow();
  });
});
