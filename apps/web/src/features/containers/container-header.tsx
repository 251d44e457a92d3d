'use client';
/**
 * @module features/containers/container-header
 * The header shared by a container's Overview, Logs and Terminal tabs: name, state, actions.
 */
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { EmptyState, StatusBadge, cn, testIds } from '@berth/ui';
import { useTRPC, errorMessage } from '@/trpc/client';
import { formatDuration, shortId } from '@/lib/format';
import { ContainerActions } from './container-actions';
import { useContainerList } from './use-containers';

export function useContainer(id: string) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.containers.inspect.queryOptions({ id }), staleTime: Infinity });
}

export function ContainerHeader({ id }: { id: string }) {
  const pathname = usePathname();
  const router = useRouter();
  useContainerList(); // keeps inspect fresh through the event feed
  const q = useContainer(id);
  const base = `/containers/${id}`;
  const tabs = [
    { name: 'overview', label: 'Overview', href: base },
    { name: 'logs', label: 'Logs', href: `${base}/logs` },
    { name: 'terminal', label: 'Terminal', href: `${base}/terminal` },
  ];
  if (q.error) {
    return <EmptyState title="Container not found">{errorMessage(q.error)} <Link className="text-sky-600" href="/containers">Back to containers</Link></EmptyState>;
  }
  const c = q.data;
  return (
    <div className="mb-4">
      <div className="mb-1 text-xs text-zinc-500"><Link href="/containers" className="hover:underline">Containers</Link> / {c?.name ?? shortId(id)}</div>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h1 className="text-lg font-semibold">{c?.name ?? '…'}</h1>
          {c ? <span data-testid={testIds.detail.state}><StatusBadge status={c.state} /></span> : null}
          {c ? <span className="text-xs text-zinc-500">{c.state === 'running' && c.startedAt ? `up ${formatDuration(Date.now() - Date.parse(c.startedAt))}` : c.status}</span> : null}
        </div>
        {c ? <ContainerActions id={c.id} name={c.name} status={c.state} size="md" onRemoved={() => router.push('/containers')} /> : null}
      </div>
      <nav className="mt-3 flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {tabs.map((t) => {
          const active = t.href === base ? pathname === base : pathname.startsWith(t.href);
          return (
            <Link key={t.name} href={t.href} data-testid={testIds.detail.tab(t.name)}
              className={cn('-mb-px border-b-2 px-3 py-1.5 text-sm',
                active ? 'border-sky-500 font-medium text-sky-700 dark:text-sky-300' : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200')}>
              {t.label}
            </Link>
          );
        })}
      </nav>
    </div>
  );
}
