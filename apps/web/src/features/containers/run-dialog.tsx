'use client';
/**
 * @module features/containers/run-dialog
 * "docker run" as a form: image, command, name, env, ports, volumes, tty. When the image is not
 * local it is pulled first (images.pull, with a progress bar) if the engine can pull.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { Button, Checkbox, Dialog, ErrorText, Field, Input, TextArea, testIds } from '@berth/ui';
import { useTRPC, useTRPCClient, errorMessage } from '@/trpc/client';
import { parseEnv, parsePorts, parseVolumes, splitCommand } from '@/lib/format';
import { pullImage, PullProgressBar, type PullState } from '@/features/images/pull';

export function RunDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const router = useRouter();
  const [image, setImage] = useState('busybox:latest');
  const [cmd, setCmd] = useState('');
  const [name, setName] = useState('');
  const [env, setEnv] = useState('');
  const [ports, setPorts] = useState('');
  const [volumes, setVolumes] = useState('');
  const [tty, setTty] = useState(false);
  const [error, setError] = useState('');
  const [pull, setPull] = useState<PullState | null>(null);
  const run = useMutation(trpc.containers.run.mutationOptions());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    let input;
    try {
      const c = splitCommand(cmd);
      input = {
        image: image.trim(),
        ...(c.length ? { cmd: c } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        env: parseEnv(env), ports: parsePorts(ports), volumes: parseVolumes(volumes), tty,
      };
    } catch (err) { setError((err as Error).message); return; }
    try {
      const images = await qc.fetchQuery(trpc.images.list.queryOptions());
      const ref = input.image.includes(':') || input.image.includes('@') ? input.image : `${input.image}:latest`;
      const local = images.some((i) => i.repoTags.includes(ref) || i.id.startsWith(input.image) || i.id === `sha256:${input.image}`);
      if (!local) await pullImage(client, input.image, setPull);
      const { id } = await run.mutateAsync(input);
      setPull(null);
      onClose();
      router.push(`/containers/${id}`);
    } catch (err) { setError(errorMessage(err)); }
  };

  return (
    <Dialog open={open} onClose={onClose} title="Run a container" testId={testIds.run.dialog}
      footer={<>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" form="run-form" variant="primary" data-testid={testIds.run.submit} disabled={run.isPending || !!pull && !pull.done}>
          {run.isPending ? 'Starting…' : pull && !pull.done ? 'Pulling…' : 'Run'}
        </Button>
      </>}>
      <form id="run-form" onSubmit={(e) => void submit(e)} className="grid grid-cols-2 gap-3">
        <Field label="Image" className="col-span-2">
          <Input data-testid={testIds.run.image} required value={image} onChange={(e) => setImage(e.target.value)} placeholder="busybox:latest" autoFocus />
        </Field>
        <Field label="Command" className="col-span-2" hint="Shell-style quoting; empty = the image's CMD.">
          <Input data-testid={testIds.run.cmd} className="font-mono" value={cmd} onChange={(e) => setCmd(e.target.value)} placeholder={`sh -c 'while true; do date; sleep 1; done'`} />
        </Field>
        <Field label="Name">
          <Input data-testid={testIds.run.name} value={name} onChange={(e) => setName(e.target.value)} placeholder="random" />
        </Field>
        <Field label="Ports" hint="HOST:CONTAINER[/udp], comma-separated">
          <Input data-testid={testIds.run.ports} className="font-mono" value={ports} onChange={(e) => setPorts(e.target.value)} placeholder="8080:80" />
        </Field>
        <Field label="Environment" hint="KEY=value per line">
          <TextArea data-testid={testIds.run.env} rows={3} value={env} onChange={(e) => setEnv(e.target.value)} />
        </Field>
        <Field label="Volumes" hint="SOURCE:/TARGET[:ro] per line">
          <TextArea data-testid={testIds.run.volumes} rows={3} value={volumes} onChange={(e) => setVolumes(e.target.value)} />
        </Field>
        <Checkbox className="col-span-2" label="Allocate a TTY (interactive shell: attach a terminal to it)" data-testid={testIds.run.tty}
          checked={tty} onChange={(e) => setTty(e.target.checked)} />
        {pull ? <div className="col-span-2"><PullProgressBar state={pull} /></div> : null}
        {error ? <div className="col-span-2"><ErrorText testId={testIds.run.error}>{error}</ErrorText></div> : null}
      </form>
    </Dialog>
  );
}
