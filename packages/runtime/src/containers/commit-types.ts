/**
 * @module containers/commit-types
 * Domain types of `docker diff`, `docker commit` and `docker export`: what changed in a container's
 * writable layer, and the options of turning that layer into an image.
 */
import type { ImageRunConfig } from '../images/image-types.js';

/** Docker's change kinds: 0 = modified, 1 = added, 2 = deleted. */
export type ChangeKind = 0 | 1 | 2;

export interface ContainerChange {
  /** Absolute path inside the container. */
  path: string;
  kind: ChangeKind;
}

export interface CommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Freeze a running container while its layer is copied (Docker's default: true). */
  pause?: boolean;
  /** Dockerfile instructions applied last, e.g. `CMD ["sh"]`. */
  changes?: string[];
  /** Config overrides from the request body; set fields replace the container's. */
  config?: ImageRunConfig;
  signal?: AbortSignal;
}
