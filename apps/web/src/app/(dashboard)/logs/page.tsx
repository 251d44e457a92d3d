'use client';
/**
 * The merged log view: pick several containers, read their logs interleaved by time.
 */
import { useMemo, useState } from 'react';
import { EmptyState, PageHeader, StatusBadge, cn } from '@berth/ui';
import { useContainerList } from '@/features/containers/use-containers';
import { LogPanel } from '@/features/logs/log-panel';

export default function MergedLogsPage() {
  const { list } = useContainerList();
  const [picked, setPicked] = useState<string[]>([]);
  const rows = list.data ?? [];
  const sources = useMemo(() => rows.filter((r) => picked.includes(r.id)).map((r) => ({ id: r.id, name: r.name })), [rows, picked]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  return (
    <>
      <PageHeader title="Logs" subtitle="Several containers in one view, ordered by time." />
      {rows.length === 0 && list.isSuccess ? <EmptyState title="No containers">Run a container first; its logs can then be merged here.</EmptyState> : (
        <div className="mb-3 flex flex-wrap gap-1.5">
          {rows.map((r) => (
            <button key={r.id} type="button" onClick={() => toggle(r.id)} data-testid={`merge-pick-${r.name}`}
              className={cn('flex items-center gap-2 rounded-full border px-2.5 py-1 text-xs',
                picked.includes(r.id) ? 'border-sky-500 bg-sky-50 text-sky-800 dark:bg-sky-500/10 dark:text-sky-200' : 'border-zinc-300 text-zinc-600 dark:border-zinc-700 dark:text-zinc-300')}>
              {r.name} <StatusBadge status={r.state} className="py-0" />
            </button>
          ))}
        </div>
      )}
      {sources.length > 0 ? <LogPanel key={sources.map((s) => s.id).join()} sources={sources} height="h-[calc(100vh-17rem)]" />
        : rows.length > 0 ? <EmptyState title="Pick containers">Select one or more containers above to merge their logs.</EmptyState> : null}
    </>
  );
}
