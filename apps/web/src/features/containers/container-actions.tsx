'use client';
/**
 * @module features/containers/container-actions
 * The action buttons of one container (list row or detail header). Disabled buttons carry the
 * engine's own reason as their tooltip; destructive ones ask first.
 */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Button, Dialog, testIds } from '@berth/ui';
import type { ContainerStatus } from '@berth/runtime/status';
import { useTRPC, errorMessage } from '@/trpc/client';
import { useIsAdmin } from '@/features/shell/me';
import { actionState, visibleActions, type ContainerAction } from './actions';

export function ContainerActions({ id, name, status, size = 'sm', onRemoved }: {
  id: string; name: string; status: ContainerStatus; size?: 'sm' | 'md'; onRemoved?: () => void;
}) {
  const trpc = useTRPC();
  const admin = useIsAdmin();
  const [confirm, setConfirm] = useState<ContainerAction | null>(null);
  const [error, setError] = useState('');
  const opts = { onError: (e: unknown) => setError(errorMessage(e)), onSuccess: () => setError('') };
  const m = {
    start: useMutation(trpc.containers.start.mutationOptions(opts)),
    stop: useMutation(trpc.containers.stop.mutationOptions(opts)),
    restart: useMutation(trpc.containers.restart.mutationOptions(opts)),
    kill: useMutation(trpc.containers.kill.mutationOptions(opts)),
    pause: useMutation(trpc.containers.pause.mutationOptions(opts)),
    unpause: useMutation(trpc.containers.unpause.mutationOptions(opts)),
    remove: useMutation(trpc.containers.remove.mutationOptions({ ...opts, onSuccess: () => { setError(''); onRemoved?.(); } })),
  };
  const busy = Object.values(m).some((x) => x.isPending);
  const run = (a: ContainerAction) => {
    setConfirm(null);
    if (a.id === 'remove') m.remove.mutate({ id, force: false });
    else m[a.id].mutate({ id });
  };

  return (
    <div className="flex flex-wrap items-center gap-1">
      {visibleActions(status).map((a) => {
        const st = actionState(a, status, name);
        const enabled = admin && st.enabled && !busy;
        return (
          <Button key={a.id} size={size} variant={a.variant} disabled={!enabled}
            data-testid={testIds.containers.action(a.id)}
            title={admin ? st.reason : 'Viewers cannot change containers'}
            onClick={() => (a.confirm ? setConfirm(a) : run(a))}>
            {a.label}
          </Button>
        );
      })}
      {error ? <span role="alert" className="ml-2 max-w-xs truncate text-xs text-red-600 dark:text-red-400" title={error}>{error}</span> : null}
      <Dialog open={!!confirm} onClose={() => setConfirm(null)} title={`${confirm?.label ?? ''} ${name}`}
        footer={<>
          <Button data-testid={testIds.dialog.cancel} onClick={() => setConfirm(null)}>Cancel</Button>
          <Button data-testid={testIds.dialog.confirm} variant="danger" onClick={() => confirm && run(confirm)}>{confirm?.label}</Button>
        </>}>
        <p className="text-sm text-zinc-600 dark:text-zinc-300">{confirm?.confirm}</p>
      </Dialog>
    </div>
  );
}
