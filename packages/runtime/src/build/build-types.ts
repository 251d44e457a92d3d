/**
 * @module build/build-types
 * The builder's public vocabulary: options of one `docker build` and the progress it reports.
 * Progress is Docker's classic-builder output: `stream` text (Step lines, RUN output) and one
 * `aux` message with the final image id. A failed RUN throws an EngineError whose
 * `details.exitCode` is the step's exit status (the transport puts it in `errorDetail.code`).
 */
import type { Readable } from 'node:stream';

export type BuildEvent = { stream: string } | { aux: { ID: string } };

export interface BuildOptions {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** `name[:tag]` references to tag the result with. */
  tags?: string[];
  /** `--build-arg`: null means "take the value from the environment" (which a daemon has not). */
  buildArgs?: Record<string, string | null>;
  /** Added to the final stage as a LABEL step. */
  labels?: Record<string, string>;
  quiet?: boolean;
  noCache?: boolean;
  /** Intermediate containers are always removed, whatever rm/forceRm say (no leftovers). */
  rm?: boolean;
  forceRm?: boolean;
  /** Ask the image service to pull the base images first (when it can pull). */
  pull?: boolean;
  /** Build up to this stage (`--target`). */
  target?: string;
  /** Network of RUN containers: default bridge. */
  networkMode?: string;
  /** `remote=URL` context (no tar body). */
  remote?: string;
  onProgress?: (e: BuildEvent) => void;
  /** Called once the whole context was read (the transport must not answer before that: the
   *  Docker CLI stops sending the body as soon as response headers arrive). */
  onContextReceived?: () => void;
  signal?: AbortSignal;
}

export interface BuildService {
  /** Runs the build to completion; resolves with the final image id. */
  build(context: Readable, opts: BuildOptions): Promise<{ id: string }>;
  /** `POST /build/prune`: forgets the layer cache (images stay; rmi/prune removes those). */
  prune(): Promise<{ cachesDeleted: string[]; spaceReclaimed: number }>;
}
