'use client';
/**
 * @module features/images/image-list
 * The Images page: list, pull (with live progress), tag, remove, and an inspect drawer.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, EmptyState, ErrorText, Field, Input, KeyValueList, PageHeader, testIds } from '@berth/ui';
import { useTRPC, useTRPCClient, errorMessage } from '@/trpc/client';
import { useIsAdmin } from '@/features/shell/me';
import { formatAgo, formatBytes, shortId } from '@/lib/format';
import { pullImage, PullProgressBar, type PullState } from './pull';

export function ImageList() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const admin = useIsAdmin();
  const images = useQuery(trpc.images.list.queryOptions());
  const [pullRef, setPullRef] = useState('');
  const [pull, setPull] = useState<PullState | null>(null);
  const [error, setError] = useState('');
  const [tagging, setTagging] = useState<string | null>(null);
  const [tagTo, setTagTo] = useState('');
  const [removing, setRemoving] = useState<{ id: string; label: string } | null>(null);
  const [inspecting, setInspecting] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.images.list.queryKey() });
  const tag = useMutation(trpc.images.tag.mutationOptions({ onSuccess: () => { setTagging(null); void refresh(); }, onError: (e) => setError(e.message) }));
  const remove = useMutation(trpc.images.remove.mutationOptions({ onSuccess: () => { setRemoving(null); void refresh(); }, onError: (e) => { setRemoving(null); setError(e.message); } }));
  const detail = useQuery({ ...trpc.images.inspect.queryOptions({ id: inspecting ?? '' }), enabled: !!inspecting });

  const doPull = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try { await pullImage(client, pullRef.trim(), setPull); await refresh(); } catch (err) { setError(errorMessage(err)); setPull(null); }
  };
  const submitTag = (e: FormEvent) => {
    e.preventDefault();
    const m = /^([^:@\s]+(?::\d+\/[^:@\s]+)?)(?::([\w][\w.-]{0,127}))?$/.exec(tagTo.trim());
    if (!m || !tagging) { setError('Use REPOSITORY[:TAG]'); return; }
    tag.mutate({ source: tagging, repo: m[1], tag: m[2] ?? 'latest' });
  };
  const rows = images.data ?? [];

  return (
    <>
      <PageHeader title="Images" subtitle={`${rows.length} images, ${formatBytes(rows.reduce((a, i) => a + i.size, 0))}`}
        actions={admin ? (
          <form onSubmit={(e) => void doPull(e)} className="flex gap-2">
            <Input data-testid={testIds.images.pullInput} className="w-64 font-mono" placeholder="image to pull, e.g. alpine:3.20" value={pullRef} onChange={(e) => setPullRef(e.target.value)} />
            <Button type="submit" variant="primary" data-testid={testIds.images.pull} disabled={!pullRef.trim() || (!!pull && !pull.done)}>Pull</Button>
          </form>
        ) : null}
      />
      {pull ? <div data-testid={testIds.images.progress} className="mb-3"><PullProgressBar state={pull} /></div> : null}
      {error ? <div className="mb-3"><ErrorText>{error}</ErrorText></div> : null}
      {images.error ? <ErrorText>{errorMessage(images.error)}</ErrorText> : null}
      {images.isSuccess && rows.length === 0 ? (
        <EmptyState title="No images">Pull one above, or import one with <code className="font-mono">docker import rootfs.tar busybox:latest</code>. <code>npm start</code> imports busybox for you.</EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/60">
          <table data-testid={testIds.images.table} className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
              <tr>{['Repository:Tag', 'ID', 'Created', 'Size', 'Layers', ''].map((h) => <th key={h} className="px-3 py-2 font-medium">{h}</th>)}</tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {rows.map((i) => {
                const label = i.repoTags[0] ?? '<none>';
                return (
                  <tr key={i.id} data-testid={testIds.images.row(label)} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                    <td className="px-3 py-1.5 font-mono text-xs">
                      {i.repoTags.length ? i.repoTags.map((t) => <div key={t}>{t}</div>) : <span className="text-zinc-400">&lt;none&gt;</span>}
                    </td>
                    <td className="px-3 py-1.5 font-mono text-xs text-zinc-500">{shortId(i.id)}</td>
                    <td className="px-3 py-1.5 text-xs">{formatAgo(i.created)}</td>
                    <td className="px-3 py-1.5 text-xs tabular-nums">{formatBytes(i.size)}</td>
                    <td className="px-3 py-1.5 text-xs tabular-nums">{i.layers}</td>
                    <td className="px-3 py-1.5">
                      <div className="flex justify-end gap-1">
                        <Button size="sm" onClick={() => setInspecting(i.id)}>Inspect</Button>
                        {admin ? <Button size="sm" onClick={() => { setTagging(i.id); setTagTo(''); }}>Tag</Button> : null}
                        {admin ? <Button size="sm" variant="danger" onClick={() => setRemoving({ id: i.repoTags[0] ?? i.id, label })}>Remove</Button> : null}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <Dialog open={!!tagging} onClose={() => setTagging(null)} title={`Tag ${tagging ? shortId(tagging) : ''}`}
        footer={<><Button onClick={() => setTagging(null)}>Cancel</Button><Button type="submit" form="tag-form" variant="primary">Tag</Button></>}>
        <form id="tag-form" onSubmit={submitTag}><Field label="New reference" hint="REPOSITORY[:TAG]"><Input autoFocus className="font-mono" value={tagTo} onChange={(e) => setTagTo(e.target.value)} placeholder="myimage:v1" /></Field></form>
      </Dialog>
      <Dialog open={!!removing} onClose={() => setRemoving(null)} title={`Remove ${removing?.label ?? ''}`}
        footer={<><Button data-testid={testIds.dialog.cancel} onClick={() => setRemoving(null)}>Cancel</Button>
          <Button data-testid={testIds.dialog.confirm} variant="danger" onClick={() => removing && remove.mutate({ id: removing.id, force: false })}>Remove</Button></>}>
        <p className="text-sm">Untag this reference; the image is deleted when no tag or container uses it.</p>
      </Dialog>
      <Dialog open={!!inspecting} onClose={() => setInspecting(null)} title="Image" className="max-w-2xl"
        footer={<Button onClick={() => setInspecting(null)}>Close</Button>}>
        {detail.data ? (
          <KeyValueList className="p-0" items={[
            { key: 'ID', value: detail.data.id },
            { key: 'Tags', value: detail.data.repoTags.join(', ') || '–' },
            { key: 'Platform', value: `${detail.data.os}/${detail.data.architecture}` },
            { key: 'Created', value: detail.data.created },
            { key: 'Size', value: formatBytes(detail.data.size) },
            { key: 'Cmd', value: JSON.stringify(detail.data.config?.cmd ?? null) },
            { key: 'Env', value: (detail.data.config?.env ?? []).join('\n') || '–' },
            { key: 'History', value: <pre className="whitespace-pre-wrap">{JSON.stringify(detail.data.history, null, 1)}</pre> },
          ]} />
        ) : detail.error ? <ErrorText>{errorMessage(detail.error)}</ErrorText> : 'Loading…'}
      </Dialog>
    </>
  );
}
