import { EventFeed } from '@/features/events/event-feed';

export default function EventsPage() {
  return <EventFeed />;
}
