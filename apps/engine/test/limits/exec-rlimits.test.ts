/**
 * `docker exec` processes inherit the container's ulimits as Docker's do (moby copies the
 * container's OCI process into the exec's), on both paths: plain `runc exec` and the conmon tty
 * exec. Without that an exec would run with the daemon's own limits.
 */
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';
import { demux } from '../helpers/http.js';

const t = useEngine();
const { api, create } = t;

async function execOut(id: string, cmd: string[], tty: boolean): Promise<string> {
  const ex = JSON.parse((await api('POST', `/containers/${id}/exec`, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: tty })).body).Id as string;
  const r = await api('POST', `/exec/${ex}/start`, { Detach: false, Tty: tty });
  return tty ? r.body : demux(r.raw).stdout;
}

describe('exec and ulimits', () => {
  it('an exec sees the container ulimits (nofile, nproc), with and without a tty', async () => {
    const id = await create({ Cmd: ['sleep', '1000'], HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 321, Hard: 654 }, { Name: 'nproc', Soft: 77, Hard: 88 }] } });
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    const script = ['sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Su) $(ulimit -Hu)'];
    expect((await execOut(id, script, false)).trim()).toBe('321 654 77 88');
    expect((await execOut(id, script, true)).trim()).toBe('321 654 77 88');
  });
});
