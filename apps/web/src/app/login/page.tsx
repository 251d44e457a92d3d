'use client';
import { Suspense } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { AuthForm } from '@/features/shell/auth-form';
import { engineJson } from '@/lib/engine';

function safeNext(n: string | null): string {
  return n && n.startsWith('/') && !n.startsWith('//') ? n : '/containers';
}

function Login() {
  const router = useRouter();
  const params = useSearchParams();
  const qc = useQueryClient();
  return (
    <AuthForm
      title="Sign in to Berth"
      subtitle="Container engine dashboard"
      submitLabel="Sign in"
      onSubmit={async (username, password) => {
        await engineJson('/auth/login', { username, password });
        await qc.resetQueries({ queryKey: ['me'] });
        router.replace(safeNext(params.get('next')));
      }}
    />
  );
}

export default function LoginPage() {
  return <Suspense><Login /></Suspense>;
}
