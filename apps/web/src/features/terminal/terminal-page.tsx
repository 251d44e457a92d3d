'use client';
/**
 * @module features/terminal/terminal-page
 * Terminal sessions of one container. Sessions live on the server: the URL carries
 * `?session=<id>`, so a reload (or the same link on another machine) reattaches and the engine
 * replays the scrollback. Detach only closes this browser's socket; Close ends the session.
 * Viewers watch read-only.
 */
import { useState } from 'react';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Checkbox, EmptyState, ErrorText, Field, Input, Kbd, Panel, Terminal, cn, testIds, type TerminalStatus } from '@berth/ui';
import { useTRPC, errorMessage } from '@/trpc/client';
import { useIsAdmin, useMe } from '@/features/shell/me';
import { useTheme } from '@/features/shell/theme';
import { useContainer } from '@/features/containers/container-header';
import { engineWsUrl } from '@/lib/engine';
import { formatAgo, splitCommand } from '@/lib/format';

const STATUS_TEXT: Record<TerminalStatus, string> = {
  connecting: 'Connecting…', open: 'Connected', closed: 'Disconnected', exited: 'Process exited', revoked: 'Session revoked (logged out)',
};

export function TerminalPage({ containerId }: { containerId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const session = useSearchParams().get('session');
  const admin = useIsAdmin();
  const me = useMe();
  const [theme] = useTheme();
  const c = useContainer(containerId);
  const sessions = useQuery({ ...trpc.terminals.list.queryOptions(), refetchInterval: 5000 });
  const [status, setStatus] = useState<{ s: TerminalStatus; detail?: string }>({ s: 'connecting' });
  const [cmd, setCmd] = useState('/bin/sh');
  const [user, setUser] = useState('');
  const [mode, setMode] = useState<'attach' | 'exec'>('exec');
  const [notice, setNotice] = useState('');
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.terminals.list.queryKey() });
  const open = useMutation(trpc.terminals.open.mutationOptions({
    onSuccess: ({ sessionId }) => { void invalidate(); router.replace(`${pathname}?session=${sessionId}`); },
  }));
  const close = useMutation(trpc.terminals.close.mutationOptions({
    onSuccess: () => { void invalidate(); router.replace(pathname); },
  }));

  const mine = (sessions.data ?? []).filter((s) => s.containerId === containerId || (c.data && s.containerId === c.data.id));
  const running = c.data?.state === 'running';
  const tty = c.data?.tty ?? false;

  if (session) {
    const info = mine.find((s) => s.sessionId === session);
    return (
      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap items-center gap-3">
          <span data-testid={testIds.terminal.status} data-status={status.s}
            className={cn('inline-flex items-center gap-1.5 text-xs', status.s === 'open' ? 'text-emerald-600 dark:text-emerald-400' : 'text-zinc-500')}>
            <span className={cn('size-2 rounded-full', status.s === 'open' ? 'bg-emerald-500' : status.s === 'connecting' ? 'bg-amber-400' : 'bg-zinc-400')} />
            {STATUS_TEXT[status.s]}{status.s === 'exited' && status.detail ? ` (code ${status.detail})` : ''}
          </span>
          {info ? <span className="text-xs text-zinc-500">{info.mode} · opened by {info.createdBy} {formatAgo(info.createdAt)} · {info.watchers} watching</span> : null}
          {!admin ? <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800 dark:bg-amber-500/15 dark:text-amber-300">read-only: viewers can watch, not type</span> : null}
          <div className="ml-auto flex gap-2">
            <Button data-testid={testIds.terminal.detach} title="Leave the session running on the server" onClick={() => router.push(pathname)}>Detach</Button>
            {admin ? <Button variant="danger" data-testid={testIds.terminal.close} onClick={() => close.mutate({ sessionId: session })}>Close session</Button> : null}
          </div>
        </div>
        {notice ? <ErrorText>{notice}</ErrorText> : null}
        <Terminal
          key={`${session}-${theme}`}
          url={engineWsUrl(`/tty?session=${encodeURIComponent(session)}`)}
          readOnly={!admin}
          theme={theme}
          className="h-[calc(100vh-16rem)] min-h-64"
          onStatus={(s, detail) => { setStatus({ s, detail }); if (s === 'revoked') setNotice('This session was revoked.'); }}
          onControl={(m) => { if (m.type === 'error' && typeof m.message === 'string') setNotice(m.message); }}
        />
        <p className="text-[11px] text-zinc-500">
          Keys go straight to the container, including <Kbd>Ctrl-p</Kbd> <Kbd>Ctrl-q</Kbd> (Docker's detach sequence for attached TTYs).
          The session keeps running after you detach or reload; it ends when you close it, on logout, or after the idle timeout. Signed in as {me.username}.
        </p>
      </div>
    );
  }

  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
      <Panel title="Sessions">
        {mine.length === 0 ? (
          <div className="p-3">
            <EmptyState title="No terminal sessions">
              {admin ? (running ? 'Open a shell on the right. The session keeps running on the server, so you can reload or share the link.' : 'Start the container first: terminals need a running container.')
                : 'An admin can open a session; you can then watch it here.'}
            </EmptyState>
          </div>
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {mine.map((s) => (
              <li key={s.sessionId} data-testid={testIds.terminal.session(s.sessionId)} className="flex items-center gap-3 px-3 py-2 text-sm">
                <span className="font-mono text-xs">{s.sessionId.slice(0, 8)}</span>
                <span className="text-xs text-zinc-500">{s.mode} · {s.createdBy} · {formatAgo(s.createdAt)} · {s.watchers} watching{s.exited ? ` · exited (${s.exitCode ?? '?'})` : ''}</span>
                <Button size="sm" className="ml-auto" onClick={() => router.push(`${pathname}?session=${s.sessionId}`)}>{admin ? 'Attach' : 'Watch'}</Button>
                {admin ? <Button size="sm" variant="danger" onClick={() => close.mutate({ sessionId: s.sessionId })}>Close</Button> : null}
              </li>
            ))}
          </ul>
        )}
      </Panel>
      {admin ? (
        <Panel title="New session">
          <form className="flex flex-col gap-3 p-3" onSubmit={(e) => {
            e.preventDefault();
            let argv: string[] = [];
            try { argv = splitCommand(cmd); } catch (err) { setNotice((err as Error).message); return; }
            open.mutate({ containerId, mode, ...(mode === 'exec' && argv.length ? { cmd: argv } : {}), ...(mode === 'exec' && user ? { user } : {}) });
          }}>
            <div className="flex gap-3">
              <Checkbox label="Exec a shell" checked={mode === 'exec'} onChange={() => setMode('exec')} type="radio" name="mode" />
              <Checkbox label="Attach to main TTY" checked={mode === 'attach'} disabled={!tty} onChange={() => setMode('attach')} type="radio" name="mode"
                title={tty ? '' : 'The container was started without a TTY'} />
            </div>
            {mode === 'exec' ? (
              <>
                <Field label="Command"><Input data-testid={testIds.terminal.cmd} className="font-mono" value={cmd} onChange={(e) => setCmd(e.target.value)} /></Field>
                <Field label="User" hint="empty = the container's user"><Input value={user} onChange={(e) => setUser(e.target.value)} placeholder="root" /></Field>
              </>
            ) : null}
            {open.error ? <ErrorText>{errorMessage(open.error)}</ErrorText> : null}
            {notice ? <ErrorText>{notice}</ErrorText> : null}
            <Button type="submit" variant="primary" data-testid={testIds.terminal.open} disabled={!running || open.isPending}
              title={running ? '' : 'The container is not running'}>
              {open.isPending ? 'Opening…' : 'Open terminal'}
            </Button>
          </form>
        </Panel>
      ) : null}
    </div>
  );
}
