'use client';
/**
 * @module features/images/pull
 * Pulling with live progress. The engine streams Docker-style progress objects
 * ({status, id, progressDetail:{current,total}}); the bar sums the layers' bytes.
 */
import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '@berth/api';
import { testIds } from '@berth/ui';
import { formatBytes } from '@/lib/format';

export interface PullState { image: string; status: string; current: number; total: number; done: boolean; layers: Record<string, { current: number; total: number }> }

/** docker pull's lines: camelCase with top-level current/total (the engine's ProgressEvent), or Docker's progressDetail */
interface Progress { status?: string; id?: string; current?: number; total?: number; progressDetail?: { current?: number; total?: number }; error?: string }

export function applyProgress(s: PullState, p: Progress): PullState {
  const layers = { ...s.layers };
  const total = p.total ?? p.progressDetail?.total;
  if (p.id && typeof total === 'number' && total > 0) {
    layers[p.id] = { current: p.current ?? p.progressDetail?.current ?? 0, total };
  }
  if (p.id && /complete|already exists/i.test(p.status ?? '') && layers[p.id]) layers[p.id] = { ...layers[p.id], current: layers[p.id].total };
  const vals = Object.values(layers);
  return {
    ...s, layers,
    status: p.status ? (p.id ? `${p.id}: ${p.status}` : p.status) : s.status,
    current: vals.reduce((a, l) => a + l.current, 0), total: vals.reduce((a, l) => a + l.total, 0),
    done: s.done || p.status === 'done',
  };
}

export function pullImage(client: TRPCClient<AppRouter>, image: string, onState: (s: PullState) => void): Promise<void> {
  let state: PullState = { image, status: 'Pulling…', current: 0, total: 0, done: false, layers: {} };
  onState(state);
  return new Promise((resolve, reject) => {
    const sub = client.images.pull.subscribe({ image }, {
      onData: (d) => {
        const p = (d ?? {}) as Progress;
        if (p.error) { sub.unsubscribe(); reject(new Error(p.error)); return; }
        state = applyProgress(state, p);
        onState(state);
        if (state.done) { sub.unsubscribe(); resolve(); }
      },
      onError: (e) => reject(e),
      onComplete: () => { onState({ ...state, done: true }); resolve(); },
    });
  });
}

export function PullProgressBar({ state }: { state: PullState }) {
  const pct = state.total > 0 ? Math.min(100, (state.current / state.total) * 100) : state.done ? 100 : 0;
  return (
    <div data-testid={testIds.run.progress} className="flex flex-col gap-1">
      <div className="flex justify-between text-xs text-zinc-500">
        <span className="truncate">{state.done ? `Pulled ${state.image}` : state.status}</span>
        <span>{state.total > 0 ? `${formatBytes(state.current)} / ${formatBytes(state.total)}` : ''}</span>
      </div>
      <div className="h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800">
        <div className={`h-full rounded-full bg-sky-500 transition-[width] ${state.total === 0 && !state.done ? 'w-1/3 animate-pulse' : ''}`}
          style={state.total > 0 || state.done ? { width: `${pct}%` } : undefined} />
      </div>
    </div>
  );
}
