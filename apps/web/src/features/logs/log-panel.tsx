'use client';
/**
 * @module features/logs/log-panel
 * The log viewer page body: live tail with follow, timestamps, since/until, a server-side search
 * (substring or regex over the whole history), and a download of the whole log.
 * Shortcut: / focuses the search box.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Checkbox, ErrorText, Input, LogViewer, Kbd, cn, testIds, type LogLine } from '@berth/ui';
import { useTRPC, errorMessage } from '@/trpc/client';
import { useShortcuts } from '@/features/shell/shortcuts';
import { useLogStream, type LogSource } from './use-log-stream';

const TAILS = [{ label: 'last 1,000', value: 1000 }, { label: 'last 10,000', value: 10000 }, { label: 'everything', value: -1 }];

function toUnix(s: string): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t / 1000 : undefined;
}

export function LogPanel({ sources, height = 'h-[calc(100vh-15rem)]' }: { sources: LogSource[]; height?: string }) {
  const trpc = useTRPC();
  const [timestamps, setTimestamps] = useState(false);
  const [follow, setFollow] = useState(true);
  const [tail, setTail] = useState(-1);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [pattern, setPattern] = useState('');
  const [regex, setRegex] = useState(false);
  const [search, setSearch] = useState<{ pattern: string; regex: boolean } | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  useShortcuts({ '/': () => searchRef.current?.focus() });

  const s = useLogStream({
    sources, follow: !until, ...(tail >= 0 ? { tail } : {}),
    ...(toUnix(since) !== undefined ? { since: toUnix(since) } : {}),
    ...(toUnix(until) !== undefined ? { until: toUnix(until) } : {}),
  });
  const single = sources.length === 1 ? sources[0] : null;
  const results = useQuery({
    ...trpc.logs.search.queryOptions({ id: single?.id ?? '', pattern: search?.pattern ?? '', regex: search?.regex ?? false, limit: 10_000 }),
    enabled: !!single && !!search,
    staleTime: 0,
  });
  const submit = (e: FormEvent) => { e.preventDefault(); setSearch(pattern ? { pattern, regex } : null); };
  const resultLines: LogLine[] = results.data?.lines ?? [];

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900/60">
        {single ? (
          <form onSubmit={submit} className="flex items-center gap-2">
            <Input ref={searchRef} data-testid={testIds.logs.search} className="w-64 font-mono" placeholder="Search all history…  ( / )"
              value={pattern} onChange={(e) => setPattern(e.target.value)} />
            <Checkbox label="regex" data-testid={testIds.logs.regex} checked={regex} onChange={(e) => setRegex(e.target.checked)} />
            <Button type="submit" size="sm">Search</Button>
            {search ? <Button size="sm" variant="ghost" onClick={() => { setSearch(null); setPattern(''); }}>Clear</Button> : null}
          </form>
        ) : null}
        <Checkbox label="Timestamps" data-testid={testIds.logs.timestamps} checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} />
        <Checkbox label="Follow" data-testid={testIds.logs.follow} checked={follow} onChange={(e) => setFollow(e.target.checked)} />
        <label className="flex items-center gap-1.5 text-xs text-zinc-500">Show
          <select className="h-7 rounded border border-zinc-300 bg-transparent px-1 text-xs dark:border-zinc-700" value={tail} onChange={(e) => setTail(Number(e.target.value))}>
            {TAILS.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
          </select>
        </label>
        <label className="flex items-center gap-1.5 text-xs text-zinc-500">Since
          <input type="datetime-local" step={1} className="h-7 rounded border border-zinc-300 bg-transparent px-1 text-xs dark:border-zinc-700" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label className="flex items-center gap-1.5 text-xs text-zinc-500">Until
          <input type="datetime-local" step={1} className="h-7 rounded border border-zinc-300 bg-transparent px-1 text-xs dark:border-zinc-700" value={until} onChange={(e) => setUntil(e.target.value)} />
        </label>
        <div className="ml-auto flex items-center gap-3">
          <span data-testid={testIds.logs.count} className="text-xs tabular-nums text-zinc-500">{s.lines.length.toLocaleString('en-US')} lines{s.ended ? ' (ended)' : ''}</span>
          {single ? (
            <a data-testid={testIds.logs.download} href={`/engine/logs/${single.id}?timestamps=1`} download={`${single.name}.log`}
              className="rounded-md border border-zinc-300 px-2 py-1 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800">Download</a>
          ) : null}
        </div>
      </div>
      {s.error ? <ErrorText>{s.error}</ErrorText> : null}
      {search && single ? (
        <div data-testid={testIds.logs.results} className="flex flex-col gap-1">
          <div className="text-xs text-zinc-500">
            {results.isFetching ? 'Searching the whole log on the server…'
              : results.error ? <span className="text-red-600">{errorMessage(results.error)}</span>
                : `${resultLines.length.toLocaleString('en-US')} matches for ${search.regex ? `/${search.pattern}/i` : `"${search.pattern}"`} in ${results.data?.scanned.toLocaleString('en-US')} lines${results.data?.truncated ? ' (stopped early: refine the search)' : ''}`}
          </div>
          <LogViewer lines={resultLines} version={results.dataUpdatedAt} follow={false} showTimestamps className="h-48"
            empty={results.isFetching ? 'Searching…' : 'No matches.'} />
        </div>
      ) : null}
      <LogViewer
        lines={s.lines} version={s.version} follow={follow} onFollowChange={setFollow}
        showTimestamps={timestamps} showSource={sources.length > 1}
        className={cn(height)}
        empty={<>No log lines{since || until ? ' in this time range' : ' yet'}. Output the container writes to stdout and stderr shows up here live.</>}
      />
      <div className="text-[11px] text-zinc-500">
        <span className="mr-3"><span className="mr-1 inline-block h-2 w-0.5 bg-red-500" />stderr</span>
        Scroll up to pause following; scroll to the bottom to resume. <Kbd>/</Kbd> search.
      </div>
    </div>
  );
}
