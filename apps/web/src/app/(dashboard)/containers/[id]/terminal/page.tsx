'use client';
import { Suspense } from 'react';
import { useParams } from 'next/navigation';
import { TerminalPage } from '@/features/terminal/terminal-page';

export default function ContainerTerminalPage() {
  const { id } = useParams<{ id: string }>();
  return <Suspense><TerminalPage containerId={id} /></Suspense>;
}
