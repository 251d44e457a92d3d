'use client';
/**
 * @module features/shell/auth-form
 * The login and bootstrap forms share one card. Errors are shown as the engine words them
 * (the same text for an unknown user and a wrong password: no enumeration).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, ErrorText, Field, Input, testIds } from '@berth/ui';

export interface AuthFormProps {
  title: string;
  subtitle: ReactNode;
  submitLabel: string;
  confirmPassword?: boolean;
  defaultUsername?: string;
  onSubmit: (username: string, password: string) => Promise<void>;
}

export function AuthForm({ title, subtitle, submitLabel, confirmPassword, defaultUsername = '', onSubmit }: AuthFormProps) {
  const [username, setUsername] = useState(defaultUsername);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (confirmPassword && password !== confirm) { setError('The passwords do not match.'); return; }
    setBusy(true);
    try { await onSubmit(username, password); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
  };

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-b from-zinc-100 to-zinc-50 p-6 dark:from-zinc-900 dark:to-zinc-950">
      <form onSubmit={(e) => void submit(e)} className="w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mb-5 flex items-center gap-2">
          <span className="grid size-8 place-items-center rounded-md bg-sky-600 text-sm font-bold text-white">B</span>
          <div>
            <h1 className="text-base font-semibold">{title}</h1>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">{subtitle}</p>
          </div>
        </div>
        <div className="flex flex-col gap-3">
          <Field label="Username">
            <Input data-testid={testIds.auth.username} autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
          </Field>
          <Field label="Password" hint={confirmPassword ? 'At least 8 characters.' : undefined}>
            <Input data-testid={testIds.auth.password} type="password" autoComplete={confirmPassword ? 'new-password' : 'current-password'} required
              value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          {confirmPassword ? (
            <Field label="Confirm password">
              <Input data-testid="auth-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
            </Field>
          ) : null}
          {error ? <ErrorText testId={testIds.auth.error}>{error}</ErrorText> : null}
          <Button type="submit" variant="primary" data-testid={testIds.auth.submit} disabled={busy} className="mt-1 justify-center">
            {busy ? 'Please wait…' : submitLabel}
          </Button>
        </div>
      </form>
    </div>
  );
}
