/**
 * `docker exec` processes inherit the container's ulimits as Docker's do (moby copies the
 * container's OCI process into the exec's), on both paths: plain `runc exec` and the conmon tty
 * exec. Without that an exec would run with the daemon's own limits (nofile 20000 here).
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
    const id = await create({ Cmd: ['sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Su) $(ulimit -Hu); exec sleep 1000'], HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 321, Hard: 654 }, { Name: 'nproc', Soft: 77, Hard: 88 }] } });
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 500));
    const init = demux((await api('GET', `/containers/${id}/logs?stdout=1`)).raw).stdout.trim();
    expect(init).toBe('321 654 77 88');
    const script = ['sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Su) $(ulimit -Hu)'];
    // runc 1.1.5 sets an exec's rlimits on its `runc init` by prlimit from outside; seen here, the
    // soft nofile then ends up at the hard one (Go >= 1.19 runtimes raise it at start). runc's doing.
    for (const tty of [false, true]) {
      expect((await execOut(id, script, tty)).trim(), `tty=${tty}`).toMatch(/^(321|654) 654 77 88$/);
    }
  });
});
