'use client';
/**
 * @module features/containers/container-list
 * The Containers page: a dense live table (state, image, ports, uptime, CPU, memory, actions).
 * Shortcut: r opens the run dialog.
 */
import { useEffect, useState } from 'react';
import Link from 'next/link';
import type { ContainerRow } from '@berth/api';
import { Button, EmptyState, ErrorText, Kbd, PageHeader, StatusBadge, testIds } from '@berth/ui';
import { useIsAdmin } from '@/features/shell/me';
import { useShortcuts } from '@/features/shell/shortcuts';
import { errorMessage } from '@/trpc/client';
import { formatBytes, formatDuration, shortId } from '@/lib/format';
import { useContainerList, useContainerStats } from './use-containers';
import { ContainerActions } from './container-actions';
import { RunDialog } from './run-dialog';

function Ports({ row }: { row: ContainerRow }) {
  if (row.ports.length === 0) return <span className="text-zinc-400">–</span>;
  return (
    <span className="font-mono text-xs">
      {row.ports.map((p) => (p.host ? `${p.hostIp && p.hostIp !== '0.0.0.0' ? `${p.hostIp}:` : ''}${p.host}→${p.container}/${p.proto}` : `${p.container}/${p.proto}`)).join(', ')}
    </span>
  );
}

function useNow(ms: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), ms); return () => clearInterval(t); }, [ms]);
  return now;
}

export function ContainerList() {
  const { list, live } = useContainerList();
  const stats = useContainerStats();
  const admin = useIsAdmin();
  const [runOpen, setRunOpen] = useState(false);
  const now = useNow(5000);
  useShortcuts({ r: () => { if (admin) setRunOpen(true); } });
  const rows = list.data ?? [];
  const running = rows.filter((r) => r.state === 'running').length;

  return (
    <>
      <PageHeader
        title="Containers"
        subtitle={<span className="inline-flex items-center gap-2">
          {rows.length} total, {running} running
          <span className={`inline-flex items-center gap-1 text-xs ${live === 'pending' ? 'text-emerald-600 dark:text-emerald-400' : 'text-zinc-400'}`}
            title="Updates arrive over the engine's event stream">
            <span className={`size-1.5 rounded-full ${live === 'pending' ? 'bg-emerald-500' : 'bg-zinc-400'}`} />{live === 'pending' ? 'live' : live}
          </span>
        </span>}
        actions={admin ? <Button variant="primary" data-testid={testIds.containers.runButton} onClick={() => setRunOpen(true)}>Run container <Kbd>r</Kbd></Button> : null}
      />
      {list.error ? <ErrorText>{errorMessage(list.error)}</ErrorText> : null}
      {list.isSuccess && rows.length === 0 ? (
        <EmptyState testId={testIds.containers.empty} title="No containers yet"
          action={admin ? <Button variant="primary" onClick={() => setRunOpen(true)}>Run your first container</Button> : null}>
          {admin
            ? <>Start one with the <b>Run container</b> button (or press <Kbd>r</Kbd>), or from a shell: <code className="font-mono">docker run -d busybox sleep 600</code>.</>
            : 'Containers started by an admin will show up here as soon as they are created.'}
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/60">
          <table data-testid={testIds.containers.table} className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
              <tr>
                <th className="px-3 py-2 font-medium">Name</th>
                <th className="px-3 py-2 font-medium">State</th>
                <th className="px-3 py-2 font-medium">Image</th>
                <th className="px-3 py-2 font-medium">Ports</th>
                <th className="px-3 py-2 font-medium">Uptime</th>
                <th className="px-3 py-2 text-right font-medium">CPU</th>
                <th className="px-3 py-2 text-right font-medium">Memory</th>
                <th className="px-3 py-2 font-medium">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {rows.map((r) => {
                const s = stats.get(r.id);
                const up = (r.state === 'running' || r.state === 'paused') && r.startedAt;
                return (
                  <tr key={r.id} data-testid={testIds.containers.row(r.name)} data-state={r.state} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                    <td className="px-3 py-1.5">
                      <Link href={`/containers/${r.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">{r.name}</Link>
                      <div className="font-mono text-[11px] text-zinc-400">{shortId(r.id)}</div>
                    </td>
                    <td className="px-3 py-1.5"><StatusBadge status={r.state} /><div className="mt-0.5 text-[11px] text-zinc-500">{r.status}</div></td>
                    <td className="max-w-48 truncate px-3 py-1.5 font-mono text-xs" title={r.image}>{r.image}</td>
                    <td className="px-3 py-1.5"><Ports row={r} /></td>
                    <td className="whitespace-nowrap px-3 py-1.5 text-xs tabular-nums">{up ? formatDuration(now - Date.parse(r.startedAt!)) : '–'}</td>
                    <td className="px-3 py-1.5 text-right text-xs tabular-nums">{s ? `${s.cpuPercent.toFixed(1)}%` : '–'}</td>
                    <td className="whitespace-nowrap px-3 py-1.5 text-right text-xs tabular-nums">{s ? formatBytes(s.memUsage) : '–'}</td>
                    <td className="px-3 py-1.5">
                      <div className="flex items-center gap-1">
                        <Link className="rounded px-1.5 py-0.5 text-xs text-sky-700 hover:bg-sky-50 dark:text-sky-400 dark:hover:bg-sky-500/10" href={`/containers/${r.id}/logs`}>Logs</Link>
                        <Link className="rounded px-1.5 py-0.5 text-xs text-sky-700 hover:bg-sky-50 dark:text-sky-400 dark:hover:bg-sky-500/10" href={`/containers/${r.id}/terminal`}>Terminal</Link>
                        <ContainerActions id={r.id} name={r.name} status={r.state} />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.isPending ? <div className="text-zinc-500">Loading…</div> : null}
      <RunDialog open={runOpen} onClose={() => setRunOpen(false)} />
    </>
  );
}
