/**
 * The stock docker CLI against the real server over fake services: catches wire-format mistakes
 * (field names, status codes, hijack handshake, stream framing) that hand-written clients forgive.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

const hasDocker = spawnSync('docker', ['--version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;
let t: TestServer;
let configDir: string;

beforeAll(async () => { configDir = await mkdtemp('/tmp/bt-cfg-'); });
afterAll(async () => { await rm(configDir, { recursive: true, force: true }); });
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

/** Runs the CLI asynchronously: the server under test lives in this process. */
const cliEnv = () => ({ PATH: process.env.PATH, HOME: configDir, DOCKER_HOST: `unix://${t.sock}`, DOCKER_CONFIG: configDir, DOCKER_CLI_HINTS: 'false' });

function docker(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { env: cliEnv() });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(stdin);
  });
}

describe.skipIf(!hasDocker)('docker CLI compatibility', () => {
  it('docker version negotiates 1.47 and prints the server', async () => {
    const r = await docker(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0.1.0 1.47 1.24 1.47');
  });

  it('docker run prints output through attach + wait + start, and removes with --rm', async () => {
    const r = await docker(['run', '--rm', '--name', 'hello', 'busybox', 'echo', 'hi', 'there']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hi there\n');
    expect(r.code).toBe(0);
    expect(t.services.containers.entries.size).toBe(0);
  });

  it('docker run -i pipes stdin and returns the exit code', async () => {
    const r = await docker(['run', '-i', 'busybox', 'cat'], 'from stdin\n');
    expect(r.stdout).toBe('from stdin\n');
    const f = await docker(['run', 'busybox', 'fail', '4']);
    expect(f.code).toBe(4);
    expect(f.stderr).toBe('oops\n');
  });

  it('docker ps -a, inspect, logs and exec read our JSON', async () => {
    await docker(['create', '--name', 'idle', '-l', 'k=v', 'busybox', 'sleep', '1000']);
    expect((await docker(['start', 'idle'])).stdout.trim()).toBe('idle');
    await docker(['run', '--name', 'done', 'busybox', 'both']);
    const ps = await docker(['ps', '-a', '--format', '{{.Names}}|{{.Status}}|{{.Command}}|{{.Labels}}']);
    expect(ps.stderr).toBe('');
    const rows = ps.stdout.trim().split('\n').sort();
    expect(rows[0]).toMatch(/^done\|Exited \(0\) (Less than a second|\d+ seconds?) ago\|"both"\|$/);
    expect(rows[1]).toMatch(/^idle\|Up (Less than a second|\d+ seconds?)\|"sleep 1000"\|k=v$/);
    const table = await docker(['ps']);
    expect(table.stdout).toMatch(/CONTAINER ID\s+IMAGE\s+COMMAND/);
    const ins = await docker(['inspect', 'idle']);
    expect(JSON.parse(ins.stdout)[0]).toMatchObject({ Name: '/idle', State: { Running: true }, Config: { Labels: { k: 'v' } } });
    expect((await docker(['inspect', '--format', '{{.State.Status}} {{.HostConfig.NetworkMode}}', 'idle'])).stdout.trim()).toBe('running bridge');
    const logs = await docker(['logs', 'done']);
    expect([logs.stdout, logs.stderr]).toEqual(['out\n', 'err\n']);
    const ex = await docker(['exec', 'idle', 'echo', 'inside']);
    expect(ex.stdout).toBe('inside\n');
    const exFail = await docker(['exec', 'idle', 'fail', '9']);
    expect(exFail.code).toBe(9);
  });

  it('docker inspect finds images and reports missing objects like dockerd', async () => {
    const img = await docker(['inspect', '--format', '{{index .RepoTags 0}} {{.Os}}', 'busybox']);
    expect(img.stdout.trim()).toBe('busybox:latest linux');
    const none = await docker(['inspect', 'nosuch']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('Error: No such object: nosuch');
  });

  it('docker images, tag, rmi and import', async () => {
    await docker(['tag', 'busybox', 'mine:v1']);
    const imgs = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(imgs.stdout.trim().split('\n').sort()).toEqual(['127.0.0.1:5000/team/app:v1', 'busybox:latest', 'mine:v1']);
    const rmi = await docker(['rmi', 'mine:v1']);
    expect(rmi.stdout.trim(), rmi.stderr).toBe('Untagged: mine:v1');
    const tarPath = path.join(configDir, 'rootfs.tar');
    await writeFile(tarPath, Buffer.alloc(1024, 1));
    const imp = await docker(['import', '--change', 'CMD ["sh"]', tarPath, 'imported:v1']);
    expect(imp.stderr).toBe('');
    expect(imp.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The CLI sends the tag inside `repo`; the service parses it (as moby's import does).
    expect(t.services.images.imports[0]!.opts).toMatchObject({ repo: 'imported:v1', changes: ['CMD ["sh"]'] });
    expect((await docker(['inspect', '--format', '{{.Id}}', 'imported:v1'])).stdout.trim()).toBe(imp.stdout.trim());
  });

  it('docker run of a missing image explains that pulling is not supported yet', async () => {
    const r = await docker(['run', 'nosuchimage']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Unable to find image 'nosuchimage:latest' locally");
    expect(r.stderr).toContain('pulling images is not supported yet by this engine');
  });

  it('docker stop, restart, rm and kill map 304/409 like dockerd', async () => {
    await docker(['run', '-d', '--name', 'svc', 'busybox', 'sleep']);
    expect((await docker(['stop', '-t', '1', 'svc'])).stdout.trim()).toBe('svc');
    expect((await docker(['stop', 'svc'])).code).toBe(0);
    const kill = await docker(['kill', 'svc']);
    expect(kill.code).toBe(1);
    expect(kill.stderr).toContain('Container svc is not running');
    expect((await docker(['restart', 'svc'])).code).toBe(0);
    const rm = await docker(['rm', 'svc']);
    expect(rm.stderr).toContain('stop the container before removing or force remove');
    expect((await docker(['rm', '-f', 'svc'])).stdout.trim()).toBe('svc');
  });

  it('docker start -a, wait, attach and exec -i', async () => {
    await docker(['create', '--name', 'once', 'busybox', 'fail', '5']);
    const start = await docker(['start', '-a', 'once']);
    expect([start.code, start.stderr]).toEqual([5, 'oops\n']);
    expect((await docker(['wait', 'once'])).stdout.trim()).toBe('5');
    await docker(['run', '-d', '--name', 'bg', 'busybox', 'sleep']);
    const ex = await docker(['exec', '-i', 'bg', 'cat'], 'to exec\n');
    expect(ex.stdout).toBe('to exec\n');
    const att = docker(['attach', '--no-stdin', 'bg']);
    await new Promise((r) => setTimeout(r, 300));
    await docker(['kill', 'bg']);
    expect((await att).code).toBe(137);
  });

  it.skipIf(!hasScript)('docker run -it: raw TTY, resize, and detach with ctrl-p ctrl-q', async () => {
    const p = spawn('script', ['-qec', 'stty cols 100 rows 30; docker run -it --name tty1 busybox cat; echo EXIT=$?', '/dev/null'],
      { env: { ...cliEnv(), TERM: 'xterm' } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const until = async (cond: () => boolean) => { for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 20)); };
    await until(() => [...t.services.containers.entries.values()].some((e) => e.rec.state.status === 'running'));
    p.stdin.write('hello\r');
    await until(() => out.includes('hello'));
    p.stdin.write('\x10\x11');
    await new Promise((r) => p.on('close', r));
    expect(out).toContain('hello\r');
    expect(out).toContain('EXIT=0');
    const [e] = [...t.services.containers.entries.values()];
    expect(e!.rec.state.status).toBe('running');
    expect(t.services.containers.calls).toContain(`resize:${e!.rec.id}:30x100`);
  }, 15_000);
});
