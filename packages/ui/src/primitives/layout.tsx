/**
 * @module primitives/layout
 * Page-level building blocks: header, panel, key/value list and the empty state that tells a
 * new user what to do next.
 */
import type { ReactNode } from 'react';
import { cn } from '../cn.js';

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="truncate text-lg font-semibold text-zinc-900 dark:text-zinc-50">{title}</h1>
        {subtitle ? <div className="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">{subtitle}</div> : null}
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function Panel({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={cn('rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/60', className)}>
      {title ? (
        <header className="flex items-center justify-between border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
          <h2 className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{title}</h2>
          {actions}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export interface KeyValueItem { key: string; value: ReactNode }

export function KeyValueList({ items, className }: { items: KeyValueItem[]; className?: string }) {
  return (
    <dl className={cn('grid grid-cols-[minmax(8rem,max-content)_1fr] gap-x-4 gap-y-1.5 p-3 text-sm', className)}>
      {items.map((it) => (
        <div key={it.key} className="contents">
          <dt className="text-zinc-500 dark:text-zinc-400">{it.key}</dt>
          <dd className="min-w-0 break-all font-mono text-xs leading-5 text-zinc-800 dark:text-zinc-200">{it.value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function EmptyState({ title, children, action, testId }: { title: string; children?: ReactNode; action?: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} className="flex flex-col items-center justify-center gap-2 rounded-lg border border-dashed border-zinc-300 px-6 py-12 text-center dark:border-zinc-700">
      <div className="text-sm font-semibold text-zinc-800 dark:text-zinc-100">{title}</div>
      {children ? <div className="max-w-md text-sm text-zinc-500 dark:text-zinc-400">{children}</div> : null}
      {action ? <div className="mt-2">{action}</div> : null}
    </div>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-zinc-300 bg-zinc-50 px-1 font-mono text-[10px] text-zinc-600 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
      {children}
    </kbd>
  );
}

export function ErrorText({ children, testId }: { children: ReactNode; testId?: string }) {
  return <div data-testid={testId} role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/50 dark:text-red-300">{children}</div>;
}
