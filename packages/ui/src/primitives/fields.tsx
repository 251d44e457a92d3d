/**
 * @module primitives/fields
 * Form fields: a labelled input, textarea and checkbox with consistent dense styling.
 */
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../cn.js';

export const inputClass = cn(
  'h-8 w-full rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900 placeholder:text-zinc-400',
  'focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-500/30',
  'dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-500',
);

export interface FieldProps { label: string; hint?: ReactNode; children: ReactNode; className?: string }

export function Field({ label, hint, children, className }: FieldProps) {
  return (
    <label className={cn('flex flex-col gap-1 text-xs font-medium text-zinc-600 dark:text-zinc-400', className)}>
      <span>{label}</span>
      {children}
      {hint ? <span className="font-normal text-zinc-500">{hint}</span> : null}
    </label>
  );
}

export function Input({ className, ...rest }: ComponentProps<'input'>) {
  return <input className={cn(inputClass, className)} {...rest} />;
}

export function TextArea({ className, ...rest }: ComponentProps<'textarea'>) {
  return <textarea className={cn(inputClass, 'h-auto min-h-16 py-1.5 font-mono text-xs', className)} {...rest} />;
}

export function Checkbox({ label, className, ...rest }: ComponentProps<'input'> & { label: string }) {
  return (
    <label className={cn('inline-flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300', className)}>
      <input type="checkbox" className="size-4 accent-sky-600" {...rest} />
      {label}
    </label>
  );
}
