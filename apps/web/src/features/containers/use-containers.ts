'use client';
/**
 * @module features/containers/use-containers
 * The live container list: one query, refreshed when containers.watch reports an event (no
 * polling), plus the stats feed (CPU/memory every 2 s for running containers).
 */
import { useMemo, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { StatRow } from '@berth/api';
import { useTRPC } from '@/trpc/client';

export function useContainerList() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery({ ...trpc.containers.list.queryOptions(), staleTime: Infinity });
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const watch = useSubscription(trpc.containers.watch.subscriptionOptions(undefined, {
    onData: () => {
      // a burst (create, start, attach…) becomes one refetch
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        void qc.invalidateQueries({ queryKey: trpc.containers.list.queryKey() });
        void qc.invalidateQueries({ queryKey: trpc.containers.inspect.queryKey() });
      }, 80);
    },
    onStarted: () => { void qc.invalidateQueries({ queryKey: trpc.containers.list.queryKey() }); },
  }));
  return { list, live: watch.status };
}

export function useContainerStats(): Map<string, StatRow> {
  const trpc = useTRPC();
  const [rows, setRows] = useState<StatRow[]>([]);
  useSubscription(trpc.containers.stats.subscriptionOptions(undefined, { onData: (d) => setRows(d) }));
  return useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);
}
