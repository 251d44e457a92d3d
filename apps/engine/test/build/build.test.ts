/**
 * `POST /build` against a real berthd: the classic builder end to end (RUN in real containers,
 * COPY/ADD layers, multi-stage, the layer cache across a daemon restart) and the bad-input cases,
 * each of which must leave no container, temp dir or mount behind.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pack as tarPack } from 'tar-stream';
import { useEngine } from '../helpers/suite.js';

const t = useEngine();

type Entry = { name: string; content?: string | Buffer; type?: 'file' | 'directory'; mode?: number };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const type = e.type ?? 'file';
    await new Promise<void>((res, rej) => p.entry({ name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644) },
      type === 'file' ? (e.content ?? '') : undefined, (err) => (err ? rej(err) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface BuildOut { lines: Record<string, unknown>[]; text: string; id?: string; error?: { message: string; code?: number } }

async function build(context: Buffer, query = ''): Promise<BuildOut> {
  const r = await t.api('POST', `/v1.47/build?${query}`, context);
  // A bad context fails before any output: a plain HTTP error, as dockerd answers.
  if (r.status !== 200) return { lines: [], text: '', error: { message: JSON.parse(r.body).message as string } };
  const lines = r.body.split('\r\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const text = lines.map((l) => (typeof l.stream === 'string' ? l.stream : '')).join('');
  const aux = lines.find((l) => l.aux) as { aux: { ID: string } } | undefined;
  const err = lines.find((l) => l.errorDetail) as { errorDetail: { message: string; code?: number } } | undefined;
  return { lines, text, ...(aux ? { id: aux.aux.ID } : {}), ...(err ? { error: err.errorDetail } : {}) };
}

const dockerfile = (text: string, extra: Entry[] = []) => tarOf([{ name: 'Dockerfile', content: text }, ...extra]);

async function run(image: string, cmd: string[]): Promise<string> {
  const id = await t.create({ Image: image, Cmd: cmd });
  await t.api('POST', `/containers/${id}/start`);
  await t.api('POST', `/containers/${id}/wait`);
  const logs = await t.api('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
  await t.api('DELETE', `/containers/${id}?force=1`);
  // strip the 8-byte stdcopy headers
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= logs.raw.length;) {
    const n = logs.raw.readUInt32BE(i + 4);
    out.push(logs.raw.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  return Buffer.concat(out).toString();
}

async function assertNothingLeft(): Promise<void> {
  const ctrs = JSON.parse((await t.api('GET', '/containers/json?all=1')).body) as unknown[];
  expect(ctrs).toEqual([]);
  const left = (await fs.readdir(path.join(t.eng.dataRoot, 'build'))).filter((n) => n !== 'cache.json' && !n.startsWith('cache.json.'));
  expect(left).toEqual([]);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(path.join(t.eng.dataRoot, 'build'));
}

describe('POST /build', () => {
  let firstId = '';
  const df1 = [
    'FROM busybox:latest',
    'ENV GREETING="hello from build" APPDIR=/app',
    'RUN mkdir -p /app && echo built-by-run > /app/run.txt && chown 2000 /app && chmod 750 /app',
    'COPY payload.txt /app/payload.txt',
    'WORKDIR /app',
    'EXPOSE 8080/tcp',
    'LABEL acc.test=yes',
    'HEALTHCHECK --interval=2s CMD true',
    'CMD ["sh", "-c", "echo $GREETING; pwd; cat run.txt payload.txt; stat -c \'%u %a\' /app"]',
  ].join('\n');

  it('builds RUN/COPY/metadata steps and records one history entry per instruction', async () => {
    const out = await build(await dockerfile(df1, [{ name: 'payload.txt', content: 'payload-content\n' }]), 't=bt-build/one:v1');
    expect(out.error).toBeUndefined();
    expect(out.text).toMatch(/Step 1\/9 : FROM busybox:latest/);
    expect(out.text).toMatch(/ ---> Running in [0-9a-f]{12}\n/);
    expect(out.text).toMatch(/Successfully tagged bt-build\/one:v1/);
    firstId = out.id!;
    const img = JSON.parse((await t.api('GET', '/images/bt-build/one:v1/json')).body);
    expect(img.Id).toBe(firstId);
    expect(img.Config.Env).toContain('GREETING=hello from build');
    expect(img.Config.WorkingDir).toBe('/app');
    expect(img.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(img.Config.Labels).toEqual({ 'acc.test': 'yes' });
    expect(img.Config.Healthcheck).toMatchObject({ Test: ['CMD-SHELL', 'true'], Interval: 2e9 });
    // COPY into /app kept the owner and mode RUN gave it
    expect(await run(firstId, [])).toBe('hello from build\n/app\nbuilt-by-run\npayload-content\n2000 750\n');
    const hist = JSON.parse((await t.api('GET', '/images/bt-build/one:v1/history')).body) as { CreatedBy: string }[];
    expect(hist).toHaveLength(9); // 8 steps + the imported base layer
    expect(hist[6]!.CreatedBy).toBe('/bin/sh -c mkdir -p /app && echo built-by-run > /app/run.txt && chown 2000 /app && chmod 750 /app');
    expect(hist[7]!.CreatedBy).toMatch(/#\(nop\)  ENV GREETING="hello from build" APPDIR=\/app/);
    await assertNothingLeft();
  });

  it('reuses every step from the cache, also after a daemon restart; nocache rebuilds', async () => {
    const ctx = await dockerfile(df1, [{ name: 'payload.txt', content: 'payload-content\n' }]);
    await t.eng.restart();
    const again = await build(ctx, 't=bt-build/one:v1');
    expect(again.id).toBe(firstId);
    expect(again.text.match(/Using cache/g)).toHaveLength(8);
    const changed = await build(await dockerfile(df1, [{ name: 'payload.txt', content: 'other\n' }]));
    expect(changed.text.match(/Using cache/g)).toHaveLength(2); // ENV, RUN; COPY's checksum differs
    const fresh = await build(ctx, 'nocache=1');
    expect(fresh.text).not.toMatch(/Using cache/);
    expect(fresh.id).not.toBe(firstId);
  });

  it('passes build args to RUN (history shows them) and warns about unused ones', async () => {
    const out = await build(await dockerfile('ARG BASE=busybox\nFROM $BASE\nARG V=default\nRUN echo "v=$V" > /v.txt\n'),
      `buildargs=${encodeURIComponent(JSON.stringify({ V: 'custom', UNUSED: 'x' }))}`);
    expect(out.error).toBeUndefined();
    expect(out.text).toMatch(/\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
    expect(await run(out.id!, ['cat', '/v.txt'])).toBe('v=custom\n');
    const hist = JSON.parse((await t.api('GET', `/images/${out.id}/history`)).body) as { CreatedBy: string }[];
    expect(hist[0]!.CreatedBy).toBe('|1 V=custom /bin/sh -c echo "v=$V" > /v.txt');
  });

  it('multi-stage: COPY --from a named stage, --target stops early, heredocs run', async () => {
    const df = 'FROM busybox AS gen\nRUN <<EOF\necho generated > /g.txt\nEOF\nFROM busybox AS final\nCOPY --from=gen /g.txt /copied.txt\nCOPY <<EOF /inline.txt\ninline\nEOF\n';
    const out = await build(await dockerfile(df));
    expect(out.error).toBeUndefined();
    expect(await run(out.id!, ['cat', '/copied.txt', '/inline.txt'])).toBe('generated\ninline\n');
    const gen = await build(await dockerfile(df), 'target=gen');
    expect(gen.text).not.toMatch(/COPY --from/);
    expect(await run(gen.id!, ['cat', '/g.txt'])).toBe('generated\n');
    await assertNothingLeft();
  });

  it('ADD extracts a local tar; .dockerignore with exceptions applies to COPY', async () => {
    const inner = await tarOf([{ name: 'sub/', type: 'directory' }, { name: 'sub/t.txt', content: 'in-tar' }]);
    const ctx = await dockerfile('FROM busybox\nADD archive.tar /extract/\nCOPY . /ctx/\n', [
      { name: 'archive.tar', content: inner }, { name: '.dockerignore', content: 'secret*\n!secret-ok\n' },
      { name: 'secret.txt', content: 's' }, { name: 'secret-ok', content: 'ok' }, { name: 'keep.txt', content: 'k' },
    ]);
    const out = await build(ctx);
    expect(out.error).toBeUndefined();
    expect(await run(out.id!, ['sh', '-c', 'cat /extract/sub/t.txt; ls -A /ctx | tr "\\n" " "'])).toBe('in-tar.dockerignore Dockerfile archive.tar keep.txt secret-ok ');
  });

  it('a failing RUN reports its exit code and output and leaves nothing behind', async () => {
    const out = await build(await dockerfile('FROM busybox\nRUN echo before-fail && exit 3\nRUN echo never\n'), 't=bt-build/fail:v1');
    expect(out.text).toMatch(/before-fail/);
    expect(out.error).toEqual({ code: 3, message: 'The command \'/bin/sh -c echo before-fail && exit 3\' returned a non-zero code: 3' });
    expect(out.id).toBeUndefined();
    expect((await t.api('GET', '/images/bt-build/fail:v1/json')).status).toBe(404);
    await assertNothingLeft();
  });

  it.each([
    ['an unknown instruction', 'FROM busybox\nFOO bar\n', [], /Dockerfile parse error line 2: unknown instruction: FOO/],
    ['an unterminated quote', 'FROM busybox\nENV A="abc\n', [], /line 2: .*matching double-quote/],
    ['COPY of ../x', 'FROM busybox\nCOPY ../x /x\n', [], /line 2: COPY failed: forbidden path outside the build context: \.\.\/x/],
    ['a missing base image', 'FROM bt-build/missing:1\n', [], /line 1: No such image: bt-build\/missing:1/],
    ['an ARG cycle', 'ARG A=${B}\nARG B=${A}\nFROM busybox\n', [], /line 1: ARG cycle detected: A -> B -> A/],
    ['a missing --from stage', 'FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\n', [], /line 2: invalid from flag value b: circular dependency detected on stage: b/],
  ] as const)('rejects %s, naming the line', async (_what, df, extra, re) => {
    const out = await build(await dockerfile(df, [...extra]));
    expect(out.error?.message).toMatch(re);
    await assertNothingLeft();
  });

  it('rejects a context tar with ../ entries and an oversized Dockerfile', async () => {
    const evil = Buffer.from(await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'x', content: 'x' }]));
    // tar-stream refuses to write "../" names; patch the second header's name and checksum
    const h = evil.subarray(1024, 1536);
    h.fill(0, 0, 100);
    h.write('../evil', 0, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect((await build(evil)).error?.message).toMatch(/invalid build context: .*"\.\.\/evil".*'\.\.'/);
    const big = await dockerfile(`FROM busybox\n#${'x'.repeat(3 * 1024 * 1024)}\n`);
    expect((await build(big)).error?.message).toMatch(/Dockerfile is too large/);
    await assertNothingLeft();
  });

  it('takes a bare Dockerfile body and answers /build/prune', async () => {
    const out = await build(Buffer.from('FROM busybox\nRUN echo from-stdin > /s.txt\n'), 'q=1');
    expect(out.text).toBe(`${out.id}\n`);
    const prune = await t.api('POST', '/build/prune');
    expect(prune.status).toBe(200);
    expect(JSON.parse(prune.body)).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
    const again = await build(Buffer.from('FROM busybox\nRUN echo from-stdin > /s.txt\n'));
    expect(again.text).not.toMatch(/Using cache/);
  });
});
