'use client';
import type { ReactNode } from 'react';
import { AuthGate } from '@/features/shell/me';
import { AppShell } from '@/features/shell/app-shell';

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return <AuthGate><AppShell>{children}</AppShell></AuthGate>;
}
