'use client';
/**
 * @module primitives/dialog
 * A modal on the native <dialog> element: focus trapping, Escape and the backdrop come from
 * the browser, so no extra dependency is needed.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { cn } from '../cn.js';

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  className?: string;
}

export function Dialog({ open, onClose, title, children, footer, testId, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      data-testid={testId}
      onClose={onClose}
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      className={cn(
        'm-auto w-full max-w-lg rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-2xl backdrop:bg-black/50',
        'dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100',
        className,
      )}
    >
      {open ? (
        <div className="flex max-h-[85vh] flex-col">
          <header className="border-b border-zinc-200 px-4 py-3 text-sm font-semibold dark:border-zinc-800">{title}</header>
          <div className="overflow-y-auto px-4 py-3">{children}</div>
          {footer ? <footer className="flex justify-end gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">{footer}</footer> : null}
        </div>
      ) : null}
    </dialog>
  );
}
