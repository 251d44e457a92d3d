import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TaskExit } from './task-manager.js';
import { readExitFile, watchExitDir } from './exit-watch.js';

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-exits-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

/** Writes like GLib's g_file_set_contents: temp file, then rename. */
async function writeExit(id: string, code: number): Promise<void> {
  const tmp = path.join(dir, `${id}.AB12CD`);
  await fs.writeFile(tmp, String(code));
  await fs.rename(tmp, path.join(dir, id));
}

function watcher(ac: AbortController): { got: TaskExit[]; done: Promise<void> } {
  const got: TaskExit[] = [];
  const done = (async () => {
    for await (const e of watchExitDir(dir, ac.signal, async (f) => ({ ...f, oomKilled: f.exitCode === 137 }))) got.push(e);
  })();
  return { got, done };
}
const until = async (c: () => boolean): Promise<void> => {
  for (let i = 0; i < 300 && !c(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!c()) throw new Error('timeout');
};

describe('watchExitDir', () => {
  it('reports existing and new exits once per watcher, again after a rewrite, never temp files', async () => {
    await writeExit('old', 3);
    const ac = new AbortController();
    const w1 = watcher(ac);
    const w2 = watcher(ac);
    await until(() => w1.got.length === 1 && w2.got.length === 1);
    await writeExit('c1', 137);
    await until(() => w1.got.length === 2 && w2.got.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    await fs.rm(path.join(dir, 'c1')); // clearExit, then the container runs and exits again
    await new Promise((r) => setTimeout(r, 50));
    await writeExit('c1', 0);
    await until(() => w1.got.length === 3 && w2.got.length === 3);
    ac.abort();
    await Promise.all([w1.done, w2.done]);
    for (const w of [w1, w2]) {
      expect(w.got.map((e) => [e.id, e.exitCode, e.oomKilled])).toEqual([['old', 3, false], ['c1', 137, true], ['c1', 0, false]]);
    }
    expect(Date.parse(w1.got[2]!.exitedAt)).toBeGreaterThan(Date.now() - 5000);
  });

  it('readExitFile: missing or half-written files are no exit', async () => {
    expect(await readExitFile(path.join(dir, 'x'), 'x')).toBeUndefined();
    await fs.writeFile(path.join(dir, 'x'), '');
    expect(await readExitFile(path.join(dir, 'x'), 'x')).toBeUndefined();
    await fs.writeFile(path.join(dir, 'x'), '42');
    expect(await readExitFile(path.join(dir, 'x'), 'x')).toMatchObject({ id: 'x', exitCode: 42 });
  });
});
