'use client';
/**
 * @module features/shell/me
 * Who is logged in. Every dashboard page sits under <AuthGate>, which sends anonymous users to
 * /login (or explains the bootstrap link on a fresh install) before any tRPC call is made.
 */
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import { EmptyState } from '@berth/ui';
import { engineJson, fetchMe, type Me } from '@/lib/engine';

const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside <AuthGate>');
  return me;
}

export const useIsAdmin = () => useMe().role === 'admin';

export function AuthGate({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const me = useQuery({ queryKey: ['me'], queryFn: fetchMe, staleTime: 60_000, retry: 1 });
  const state = useQuery({
    queryKey: ['auth-state'],
    queryFn: () => engineJson<{ bootstrapped: boolean }>('/auth/state'),
    enabled: me.data === null,
  });
  const needLogin = me.data === null && state.data?.bootstrapped === true;
  useEffect(() => {
    if (needLogin) router.replace(`/login?next=${encodeURIComponent(pathname)}`);
  }, [needLogin, pathname, router]);

  if (me.error) {
    return (
      <Centered>
        <EmptyState title="The engine is not reachable">
          The dashboard could not reach berthd ({String((me.error as Error).message)}). Start it with <code>npm start</code> and reload.
        </EmptyState>
      </Centered>
    );
  }
  if (me.data === null && state.data?.bootstrapped === false) {
    return (
      <Centered>
        <EmptyState title="Create the first admin">
          This engine has no users yet. Open the one-time bootstrap link that <code>npm start</code> printed
          (<code>/bootstrap?token=…</code>) to create the admin account.
        </EmptyState>
      </Centered>
    );
  }
  if (!me.data) return <Centered><div className="text-zinc-500">Loading…</div></Centered>;
  return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;
}

export function Centered({ children }: { children: ReactNode }) {
  return <div className="flex min-h-screen items-center justify-center p-6">{children}</div>;
}
