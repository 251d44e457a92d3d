/**
 * @module task/exit-watch
 * conmon records an exit by writing the decimal exit code to `<exitDir>/<id>` (GLib writes a
 * `<id>.XXXXXX` temp file and renames it, which inotify reports as 'rename'). Each watcher does an
 * initial scan plus fs.watch (inotify), with a slow rescan in case inotify overflowed, and reports
 * every exit file once per (inode, mtime): a container that runs again gets a fresh file and is
 * reported again. Ids therefore must not contain '.', which Docker ids never do.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { TaskExit } from './task-manager.js';

const RESCAN_MS = 5_000;

export interface ExitFileFact {
  id: string;
  exitCode: number;
  exitedAt: string;
}

/** Reads one exit file; undefined when missing or not (yet) a number. */
export async function readExitFile(file: string, id: string): Promise<(ExitFileFact & { key: string }) | undefined> {
  try {
    const [st, text] = await Promise.all([fs.stat(file), fs.readFile(file, 'utf8')]);
    if (!/^-?\d+\s*$/.test(text)) return undefined;
    return { id, exitCode: Number.parseInt(text, 10), exitedAt: st.mtime.toISOString(), key: `${st.ino}:${st.mtimeMs}` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isExitName(name: string): boolean {
  return name.length > 0 && !name.includes('.');
}

/**
 * Yields each exit in `exitDir` (existing ones first) until `signal` aborts.
 * `complete` adds what the exit file does not know (oomKilled).
 */
export async function* watchExitDir(
  exitDir: string,
  signal: AbortSignal,
  complete: (fact: ExitFileFact) => Promise<TaskExit>,
): AsyncGenerator<TaskExit> {
  const reported = new Map<string, string>();
  const pending = new Set<string>();
  let wake: (() => void) | undefined;
  const poke = (): void => { const w = wake; wake = undefined; w?.(); };
  const scan = async (): Promise<void> => {
    try {
      for (const n of await fs.readdir(exitDir)) if (isExitName(n)) pending.add(n);
    } catch { /* dir vanished; the next scan retries */ }
    for (const id of reported.keys()) pending.add(id); // notices removals (clearExit)
    poke();
  };

  await fs.mkdir(exitDir, { recursive: true });
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(exitDir, (_ev, name) => {
      if (name && isExitName(String(name))) { pending.add(String(name)); poke(); }
    });
    watcher.on('error', () => { watcher?.close(); watcher = undefined; });
    watcher.unref();
  } catch { /* no inotify (limit reached): the rescan timer still finds exits */ }
  const timer = setInterval(() => void scan(), RESCAN_MS);
  timer.unref();
  signal.addEventListener('abort', poke, { once: true });
  try {
    await scan();
    while (!signal.aborted) {
      if (pending.size === 0) {
        await new Promise<void>((r) => { wake = r; });
        continue;
      }
      const names = [...pending];
      pending.clear();
      for (const id of names) {
        const fact = await readExitFile(path.join(exitDir, id), id).catch(() => undefined);
        if (!fact) {
          reported.delete(id);
          continue;
        }
        if (reported.get(id) === fact.key) continue;
        reported.set(id, fact.key);
        if (signal.aborted) return;
        yield await complete({ id, exitCode: fact.exitCode, exitedAt: fact.exitedAt });
      }
    }
  } finally {
    clearInterval(timer);
    watcher?.close();
    signal.removeEventListener('abort', poke);
  }
}
