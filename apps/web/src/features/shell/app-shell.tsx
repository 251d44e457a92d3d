'use client';
/**
 * @module features/shell/app-shell
 * The dashboard frame: a narrow sidebar (navigation, user, theme, logout) and the page.
 * Global shortcuts: g c / g i / g e / g s / g l to navigate, t to toggle the theme, ? for help.
 */
import { useState, type ReactNode } from 'react';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, Kbd, cn, testIds } from '@berth/ui';
import { engineJson } from '@/lib/engine';
import { useMe } from './me';
import { useTheme } from './theme';
import { useShortcuts } from './shortcuts';

export const NAV = [
  { name: 'containers', label: 'Containers', href: '/containers', key: 'c', icon: 'M4 7h16v10H4z M8 7V5h8v2' },
  { name: 'logs', label: 'Logs', href: '/logs', key: 'l', icon: 'M5 6h14 M5 10h14 M5 14h10 M5 18h7' },
  { name: 'images', label: 'Images', href: '/images', key: 'i', icon: 'M12 3l8 4.5v9L12 21l-8-4.5v-9z M12 12l8-4.5 M12 12v9 M12 12L4 7.5' },
  { name: 'events', label: 'Events', href: '/events', key: 'e', icon: 'M13 3L5 14h6l-1 7 8-11h-6z' },
  { name: 'system', label: 'System', href: '/system', key: 's', icon: 'M12 9a3 3 0 100 6 3 3 0 000-6z M4 12h2 M18 12h2 M12 4v2 M12 18v2' },
] as const;

export const SHORTCUTS: [string, string][] = [
  ['g c', 'Containers'], ['g l', 'Logs'], ['g i', 'Images'], ['g e', 'Events'], ['g s', 'System'],
  ['r', 'Run a container (Containers page)'], ['/', 'Search (Logs)'], ['t', 'Toggle theme'], ['?', 'This help'],
];

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" className="size-4 shrink-0" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round">
      <path d={d} />
    </svg>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const me = useMe();
  const pathname = usePathname();
  const router = useRouter();
  const qc = useQueryClient();
  const [theme, setTheme] = useTheme();
  const [help, setHelp] = useState(false);

  const logout = async () => {
    try { await engineJson('/auth/logout', {}); } finally {
      qc.clear();
      router.replace('/login');
    }
  };
  useShortcuts({
    ...Object.fromEntries(NAV.map((n) => [`g ${n.key}`, () => router.push(n.href)])),
    t: () => setTheme(theme === 'dark' ? 'light' : 'dark'),
    '?': () => setHelp(true),
  });

  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-48 shrink-0 flex-col border-r border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/40">
        <Link href="/containers" className="flex items-center gap-2 px-4 py-4">
          <span className="grid size-7 place-items-center rounded-md bg-sky-600 text-xs font-bold text-white">B</span>
          <span className="text-base font-semibold tracking-tight">Berth</span>
        </Link>
        <nav className="flex flex-col gap-0.5 px-2">
          {NAV.map((n) => {
            const active = pathname === n.href || pathname.startsWith(`${n.href}/`);
            return (
              <Link
                key={n.name}
                href={n.href}
                data-testid={testIds.nav.link(n.name)}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm',
                  active
                    ? 'bg-sky-50 font-medium text-sky-700 dark:bg-sky-500/10 dark:text-sky-300'
                    : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100',
                )}
              >
                <Icon d={n.icon} />
                <span className="flex-1">{n.label}</span>
                <span className="text-[10px] text-zinc-400 dark:text-zinc-600">g {n.key}</span>
              </Link>
            );
          })}
        </nav>
        <div className="mt-auto flex flex-col gap-2 border-t border-zinc-200 p-3 dark:border-zinc-800">
          <div data-testid={testIds.nav.user} className="flex items-center justify-between text-xs">
            <span className="truncate font-medium">{me.username}</span>
            <span className={cn('rounded px-1.5 py-0.5 text-[10px] font-semibold uppercase',
              me.role === 'admin' ? 'bg-sky-100 text-sky-700 dark:bg-sky-500/15 dark:text-sky-300' : 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400')}>
              {me.role}
            </span>
          </div>
          <div className="flex gap-1.5">
            <Button size="sm" variant="ghost" data-testid={testIds.nav.themeToggle} title="Toggle theme (t)"
              onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
              {theme === 'dark' ? '☾ Dark' : '☀ Light'}
            </Button>
            <Button size="sm" variant="ghost" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>?</Button>
            <Button size="sm" variant="ghost" data-testid={testIds.nav.logout} className="ml-auto" onClick={() => void logout()}>Log out</Button>
          </div>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-6 py-5">{children}</main>
      <Dialog open={help} onClose={() => setHelp(false)} title="Keyboard shortcuts"
        footer={<Button onClick={() => setHelp(false)}>Close</Button>}>
        <table className="w-full text-sm">
          <tbody>
            {SHORTCUTS.map(([k, label]) => (
              <tr key={k}><td className="py-1 pr-4">{k.split(' ').map((x) => <Kbd key={x}>{x}</Kbd>)}</td><td>{label}</td></tr>
            ))}
          </tbody>
        </table>
      </Dialog>
    </div>
  );
}
