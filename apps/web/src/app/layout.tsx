import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import '@xterm/xterm/css/xterm.css';
import './globals.css';
import { TrpcProviders } from '@/trpc/client';

export const metadata: Metadata = { title: 'Berth', description: 'Berth container engine dashboard' };

// Runs before paint so the page never flashes the wrong theme.
const THEME_SCRIPT = `try{var t=localStorage.getItem('berth-theme');if(t!=='light'&&t!=='dark')t=matchMedia('(prefers-color-scheme: light)').matches?'light':'dark';document.documentElement.classList.toggle('dark',t==='dark')}catch(e){document.documentElement.classList.add('dark')}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className="dark" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="bg-zinc-50 font-sans text-sm text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <TrpcProviders>{children}</TrpcProviders>
      </body>
    </html>
  );
}
