import { ContainerList } from '@/features/containers/container-list';

export default function ContainersPage() {
  return <ContainerList />;
}
