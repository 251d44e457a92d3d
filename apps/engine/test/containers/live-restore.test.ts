import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { docker } from '../helpers/engine.js';
import { useEngine } from '../helpers/suite.js';

const t = useEngine();
const { inspect } = t;

describe('live restore: containers outlive berthd', () => {
  it('keeps running containers across SIGKILL of the daemon and sees exits that happened while it was down', async () => {
    const long = docker(t.eng, ['run', '-d', 'busybox', 'sh', '-c', 'i=0; while :; do echo tick$i; i=$((i+1)); sleep 0.2; done']).stdout.trim();
    const short = docker(t.eng, ['run', '-d', 'busybox', 'sh', '-c', 'sleep 2; exit 42']).stdout.trim();
    const pid = (await inspect(long)).State.Pid;
    expect(pid).toBeGreaterThan(0);

    await t.eng.restart({ kill: true });
    await new Promise((r) => setTimeout(r, 3000)); // the short one exits while... or just after the restart

    const st = await inspect(long);
    expect(st.State).toMatchObject({ Status: 'running', Pid: pid });
    expect(docker(t.eng, ['ps', '-q', '--no-trunc']).stdout).toContain(long);
    const logs = docker(t.eng, ['logs', '--tail', '3', long]).stdout;
    expect(logs).toMatch(/tick\d+/);
    expect(docker(t.eng, ['wait', short]).stdout.trim()).toBe('42');
    expect((await inspect(short)).State).toMatchObject({ Status: 'exited', ExitCode: 42 });

    // logs -f and attach stream live output of a container adopted after the restart
    const firstLine = (args: string[]) => new Promise<string>((resolve, reject) => {
      const p = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: t.eng.dockerHost } });
      let out = '';
      const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`no output from docker ${args.join(' ')}: ${out}`)); }, 10_000);
      p.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /tick(\d+)\n/.exec(out);
        if (m) { clearTimeout(timer); p.kill('SIGKILL'); resolve(m[0]); }
      });
    });
    expect(await firstLine(['logs', '-f', '--tail', '0', long])).toMatch(/^tick\d+/);
    expect(await firstLine(['attach', '--no-stdin', '--sig-proxy=false', long])).toMatch(/^tick\d+/);
    expect((await inspect(long)).State.Running).toBe(true);

    // wait on a container adopted after the restart
    const waiting = new Promise<string>((resolve) => {
      const p = spawn('docker', ['wait', long], { env: { ...process.env, DOCKER_HOST: t.eng.dockerHost } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d; });
      p.on('close', () => resolve(out.trim()));
    });
    await new Promise((r) => setTimeout(r, 500));
    docker(t.eng, ['kill', long]);
    expect(await waiting).toBe('137');
  }, 60_000);

  it('a container that exits while the daemon is down reports its exit code', async () => {
    const id = docker(t.eng, ['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; exit 7']).stdout.trim();
    const p = t.eng.proc;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
    await new Promise((r) => setTimeout(r, 2500));
    await t.eng.restart(); // process already dead; restart launches a new one
    expect((await inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 7, Running: false });
  }, 60_000);
});
