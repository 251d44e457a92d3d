'use client';
import { useParams } from 'next/navigation';
import { useContainer } from '@/features/containers/container-header';
import { LogPanel } from '@/features/logs/log-panel';

export default function ContainerLogsPage() {
  const { id } = useParams<{ id: string }>();
  const c = useContainer(id);
  if (!c.data) return <div className="text-zinc-500">Loading…</div>;
  return <LogPanel sources={[{ id: c.data.id, name: c.data.name }]} />;
}
