/**
 * @module images/image-types
 * Domain types of images. An image id is the sha256 digest of its OCI config blob.
 */
export type Digest = `sha256:${string}`;

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
}

/** The runnable part of an OCI image config (`config` in the OCI config JSON), camelCase. */
export interface ImageRunConfig {
  user?: string;
  exposedPorts?: Record<string, Record<string, never>>;
  env?: string[];
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  volumes?: Record<string, Record<string, never>>;
  workingDir?: string;
  labels?: Record<string, string>;
  stopSignal?: string;
  healthcheck?: { test?: string[]; interval?: number; timeout?: number; startPeriod?: number; retries?: number };
  onBuild?: string[];
  shell?: string[];
}

export interface HistoryItem {
  created?: string;
  createdBy?: string;
  author?: string;
  comment?: string;
  emptyLayer?: boolean;
}

export interface ImageRecord {
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  author: string;
  comment: string;
  /** Container a `docker commit` made this image from. */
  container?: string;
  architecture: string;
  os: string;
  config: ImageRunConfig;
  diffIds: Digest[];
  history: HistoryItem[];
  /** Top layer's chain id; the snapshot name containers are prepared from. null for an image with no layers. */
  chainId: Digest | null;
  /** Sum of the uncompressed layer sizes. */
  size: number;
  parent: string;
  labels: Record<string, string>;
}

export interface ImageHistoryEntry {
  id: string; // image id for the top entry, "<missing>" otherwise
  created: number; // unix seconds
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

export interface ImageFilter {
  all?: boolean;
  references?: string[];
  labels?: string[];
  dangling?: boolean;
  before?: string;
  since?: string;
}

export type ImageDeleteItem = { untagged: string } | { deleted: string };

export interface ImportOptions {
  repo?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config, e.g. `CMD ["sh"]`, `ENV A=b`. */
  changes?: string[];
  message?: string;
  platform?: string;
  signal?: AbortSignal;
}

/** A parsed image reference: `docker.io/library/busybox:latest`. */
export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: Digest;
  /** Familiar form as Docker prints it: `busybox:latest`, `127.0.0.1:5000/x/y:v1`. */
  familiar: string;
}
