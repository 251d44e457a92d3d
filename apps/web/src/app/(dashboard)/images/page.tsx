import { ImageList } from '@/features/images/image-list';

export default function ImagesPage() {
  return <ImageList />;
}
