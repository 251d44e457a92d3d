'use client';
import type { ReactNode } from 'react';
import { useParams } from 'next/navigation';
import { ContainerHeader } from '@/features/containers/container-header';

export default function ContainerLayout({ children }: { children: ReactNode }) {
  const { id } = useParams<{ id: string }>();
  return <><ContainerHeader id={id} />{children}</>;
}
