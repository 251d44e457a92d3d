'use client';
/**
 * @module features/events/event-feed
 * The live event feed (events.stream): the engine's recent buffer replayed from the last hour,
 * then live. Newest first; capped at 2,000 rows.
 */
import { useMemo, useState } from 'react';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { EventRow } from '@berth/api';
import { EmptyState, PageHeader, cn, testIds } from '@berth/ui';
import { useTRPC } from '@/trpc/client';
import { shortId } from '@/lib/format';

const TYPE_COLORS: Record<string, string> = {
  container: 'text-sky-600 dark:text-sky-400', image: 'text-violet-600 dark:text-violet-400',
  network: 'text-emerald-600 dark:text-emerald-400', volume: 'text-amber-600 dark:text-amber-400', daemon: 'text-zinc-500',
};

export function EventFeed() {
  const trpc = useTRPC();
  const [since] = useState(() => Date.now() - 3600_000);
  const [events, setEvents] = useState<EventRow[]>([]);
  const [filter, setFilter] = useState('');
  const sub = useSubscription(trpc.events.stream.subscriptionOptions({ since }, {
    onData: (e) => setEvents((prev) => (prev.some((p) => p.seq === e.seq) ? prev : [e, ...prev].slice(0, 2000))),
  }));
  const shown = useMemo(() => (filter ? events.filter((e) => `${e.type} ${e.action} ${e.actor.attributes.name ?? ''} ${e.actor.id}`.includes(filter)) : events), [events, filter]);
  return (
    <>
      <PageHeader title="Events" subtitle={<span className="inline-flex items-center gap-1.5"><span className={cn('size-1.5 rounded-full', sub.status === 'pending' ? 'bg-emerald-500' : 'bg-zinc-400')} />{sub.status === 'pending' ? 'live' : sub.status} · last hour, then live</span>}
        actions={<input className="h-8 w-56 rounded-md border border-zinc-300 bg-transparent px-2 text-sm dark:border-zinc-700" placeholder="Filter…" value={filter} onChange={(e) => setFilter(e.target.value)} />} />
      {shown.length === 0 ? (
        <EmptyState title="No events yet">Events appear here the moment they happen: run, stop or remove a container, pull or tag an image.</EmptyState>
      ) : (
        <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/60">
          <table data-testid={testIds.events.list} className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800"><tr>
              {['Time', 'Type', 'Action', 'Object', 'Attributes'].map((h) => <th key={h} className="px-3 py-2 font-medium">{h}</th>)}
            </tr></thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {shown.map((e) => (
                <tr key={e.seq} data-testid={testIds.events.row}>
                  <td className="whitespace-nowrap px-3 py-1 font-mono text-xs text-zinc-500">{new Date(e.time).toLocaleTimeString('en-GB')}</td>
                  <td className={cn('px-3 py-1 text-xs font-medium', TYPE_COLORS[e.type])}>{e.type}</td>
                  <td className="px-3 py-1 font-mono text-xs">{e.action}</td>
                  <td className="px-3 py-1 text-xs">{e.actor.attributes.name ?? shortId(e.actor.id)}</td>
                  <td className="max-w-md truncate px-3 py-1 font-mono text-[11px] text-zinc-500">
                    {Object.entries(e.actor.attributes).filter(([k]) => k !== 'name').map(([k, v]) => `${k}=${v}`).join(' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
