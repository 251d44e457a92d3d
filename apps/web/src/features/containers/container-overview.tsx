'use client';
/**
 * @module features/containers/container-overview
 * A container's detail: state, config, mounts, networks and ports.
 */
import { KeyValueList, Panel } from '@berth/ui';
import { formatAgo, shortId } from '@/lib/format';
import { useContainer } from './container-header';

function Mono({ children }: { children: string }) {
  return <span className="font-mono text-xs">{children}</span>;
}

export function ContainerOverview({ id }: { id: string }) {
  const q = useContainer(id);
  const c = q.data;
  if (!c) return <div className="text-zinc-500">Loading…</div>;
  const st = c.stateDetail;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Panel title="State">
        <KeyValueList items={[
          { key: 'Status', value: c.state },
          { key: 'PID', value: st.pid ? String(st.pid) : '–' },
          { key: 'Exit code', value: String(st.exitCode) },
          { key: 'Started', value: st.startedAt ? `${st.startedAt} (${formatAgo(st.startedAt)})` : '–' },
          { key: 'Finished', value: st.finishedAt ?? '–' },
          { key: 'Restarts', value: String(st.restartCount) },
          { key: 'OOM killed', value: st.oomKilled ? 'yes' : 'no' },
          ...(st.error ? [{ key: 'Error', value: st.error }] : []),
        ]} />
      </Panel>
      <Panel title="Config">
        <KeyValueList items={[
          { key: 'ID', value: c.id },
          { key: 'Image', value: `${c.image} (${shortId(c.imageId)})` },
          { key: 'Command', value: c.command || '–' },
          { key: 'Working dir', value: c.config.workingDir || '/' },
          { key: 'User', value: c.config.user || 'root' },
          { key: 'TTY', value: c.tty ? 'yes' : 'no' },
          { key: 'Restart policy', value: c.hostConfig.restartPolicy?.name ?? 'no' },
          { key: 'Created', value: `${c.created} (${formatAgo(c.created)})` },
          { key: 'Env', value: c.config.env.length ? <div className="flex flex-col">{c.config.env.map((e) => <Mono key={e}>{e}</Mono>)}</div> : '–' },
          ...(Object.keys(c.config.labels ?? {}).length ? [{ key: 'Labels', value: Object.entries(c.config.labels).map(([k, v]) => `${k}=${v}`).join('\n') }] : []),
        ]} />
      </Panel>
      <Panel title="Ports">
        {c.ports.length === 0 ? <p className="p-3 text-sm text-zinc-500">No ports exposed or published.</p> : (
          <table className="w-full text-sm">
            <thead className="text-xs text-zinc-500"><tr><th className="px-3 py-1.5 text-left font-medium">Container</th><th className="px-3 py-1.5 text-left font-medium">Host</th></tr></thead>
            <tbody>{c.ports.map((p, i) => (
              <tr key={i} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="px-3 py-1.5 font-mono text-xs">{p.container}/{p.proto}</td>
                <td className="px-3 py-1.5 font-mono text-xs">{p.host ? `${p.hostIp || '0.0.0.0'}:${p.host}` : 'not published'}</td>
              </tr>))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Networks">
        {Object.keys(c.networks).length === 0 ? <p className="p-3 text-sm text-zinc-500">Not connected (the container is not running, or runs with --network none).</p> : (
          Object.entries(c.networks).map(([name, n]) => (
            <KeyValueList key={name} items={[
              { key: 'Network', value: name },
              { key: 'IP address', value: n.ipAddress ? `${n.ipAddress}/${n.ipPrefixLen}` : '–' },
              { key: 'Gateway', value: n.gateway || '–' },
              { key: 'MAC', value: n.macAddress || '–' },
            ]} />
          ))
        )}
      </Panel>
      <Panel title="Mounts" className="lg:col-span-2">
        {c.mounts.length === 0 ? <p className="p-3 text-sm text-zinc-500">No volumes or bind mounts.</p> : (
          <table className="w-full text-sm">
            <thead className="text-xs text-zinc-500"><tr>
              {['Type', 'Source', 'Destination', 'Mode'].map((h) => <th key={h} className="px-3 py-1.5 text-left font-medium">{h}</th>)}
            </tr></thead>
            <tbody>{c.mounts.map((m) => (
              <tr key={m.destination} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="px-3 py-1.5">{m.type}</td>
                <td className="px-3 py-1.5 font-mono text-xs">{m.name ?? m.source}</td>
                <td className="px-3 py-1.5 font-mono text-xs">{m.destination}</td>
                <td className="px-3 py-1.5 text-xs">{m.rw ? 'rw' : 'ro'}</td>
              </tr>))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
