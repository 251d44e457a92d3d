import { SystemInfoPage } from '@/features/system/system-info';

export default function SystemPage() {
  return <SystemInfoPage />;
}
