'use client';
import { Suspense } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { AuthForm } from '@/features/shell/auth-form';
import { engineJson, EngineHttpError } from '@/lib/engine';

function Bootstrap() {
  const router = useRouter();
  const token = useSearchParams().get('token') ?? '';
  const qc = useQueryClient();
  return (
    <AuthForm
      title="Create the admin account"
      subtitle="One-time setup link from npm start"
      submitLabel="Create admin"
      confirmPassword
      defaultUsername="admin"
      onSubmit={async (username, password) => {
        if (!token) throw new Error('This link has no token. Use the full link that npm start printed.');
        try {
          await engineJson('/auth/bootstrap', { token, username, password });
        } catch (e) {
          if (e instanceof EngineHttpError && e.status === 403) throw new Error('This bootstrap link is invalid or was already used. Sign in instead.');
          throw e;
        }
        await qc.resetQueries({ queryKey: ['me'] });
        router.replace('/containers');
      }}
    />
  );
}

export default function BootstrapPage() {
  return <Suspense><Bootstrap /></Suspense>;
}
