'use client';
/**
 * @module features/system/system-info
 * Engine info: host, runtime, storage, counts, and the engine's warnings (e.g. the runc one)
 * shown prominently, since they explain behaviour users would otherwise report as bugs.
 */
import { useQuery } from '@tanstack/react-query';
import { ErrorText, KeyValueList, PageHeader, Panel, testIds } from '@berth/ui';
import { useTRPC, errorMessage } from '@/trpc/client';
import { formatBytes } from '@/lib/format';

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white px-4 py-3 dark:border-zinc-800 dark:bg-zinc-900/60">
      <div className="text-xs text-zinc-500">{label}</div>
      <div className="text-2xl font-semibold tabular-nums">{value}</div>
    </div>
  );
}

export function SystemInfoPage() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.system.info.queryOptions(), refetchInterval: 10_000 });
  const i = q.data;
  return (
    <>
      <PageHeader title="System" subtitle={i ? `${i.name} · Berth ${i.serverVersion}` : undefined} />
      {q.error ? <ErrorText>{errorMessage(q.error)}</ErrorText> : null}
      {i ? (
        <div data-testid={testIds.system.info} className="flex flex-col gap-4">
          {i.warnings.length ? (
            <div data-testid={testIds.system.warning} className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-200">
              <div className="mb-1 font-semibold">Warnings</div>
              <ul className="list-disc pl-5">{i.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
            </div>
          ) : null}
          <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
            <Stat label="Containers" value={i.containers} />
            <Stat label="Running" value={i.containersRunning} />
            <Stat label="Paused" value={i.containersPaused} />
            <Stat label="Stopped" value={i.containersStopped} />
            <Stat label="Images" value={i.images} />
          </div>
          <div className="grid gap-4 lg:grid-cols-2">
            <Panel title="Host">
              <KeyValueList items={[
                { key: 'Name', value: i.name },
                { key: 'OS', value: i.operatingSystem },
                { key: 'Kernel', value: i.kernelVersion },
                { key: 'Architecture', value: i.architecture },
                { key: 'CPUs', value: String(i.ncpu) },
                { key: 'Memory', value: formatBytes(i.memTotal) },
              ]} />
            </Panel>
            <Panel title="Engine">
              <KeyValueList items={[
                { key: 'Version', value: `${i.version.version} (${i.version.gitCommit})` },
                { key: 'Engine ID', value: i.id },
                { key: 'OCI runtime', value: i.runtimeVersion },
                { key: 'Storage driver', value: i.driver },
                { key: 'Cgroups', value: `${i.cgroupDriver} v${i.cgroupVersion}` },
                { key: 'Data root', value: i.dataRoot },
                { key: 'Exec root', value: i.execRoot },
                { key: 'Live restore', value: i.liveRestoreEnabled ? 'enabled' : 'disabled' },
                { key: 'Security', value: i.securityOptions.join(', ') || '–' },
              ]} />
            </Panel>
          </div>
        </div>
      ) : q.isPending ? <div className="text-zinc-500">Loading…</div> : null}
    </>
  );
}
