'use client';
import { useParams } from 'next/navigation';
import { ContainerOverview } from '@/features/containers/container-overview';

export default function ContainerPage() {
  const { id } = useParams<{ id: string }>();
  return <ContainerOverview id={id} />;
}
