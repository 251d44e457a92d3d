/**
 * @module build/build-run
 * Everything one `docker build` invocation shares across its stages and steps.
 */
import type { ImageContext } from '../images/image-context.js';
import type { ImageStore, StoredImage } from '../images/image-store.js';
import type { LocalImageService } from '../images/local-image-service.js';
import type { BuildCache } from './build-cache.js';
import type { BuildContext } from './build-context.js';
import type { BuildOptions } from './build-types.js';
import type { RootDeps } from './copy-step.js';
import type { RunStepDeps } from './run-step.js';

export interface BuildRun {
  opts: BuildOptions;
  deps: RunStepDeps & RootDeps;
  images: Pick<LocalImageService, 'resolveStored'>;
  imageCtx: ImageContext;
  store: Pick<ImageStore, 'get'>;
  cache: BuildCache;
  ctx: BuildContext;
  /** Private temp dir of this build (context, mount points, ADD downloads). */
  work: string;
  buildArgs: Record<string, string | null>;
  /** ARGs before the first FROM. */
  globals: Map<string, string | undefined>;
  /** Build args some ARG declared (the rest get Docker's "not consumed" warning). */
  consumed: Set<string>;
  /** Final image of each finished stage, by index. */
  results: (StoredImage | null)[];
  /** Every stage name of the Dockerfile → its index (COPY --from and FROM only use earlier ones). */
  stageNames: Map<string, number>;
  /** Intermediate-container removals still running; awaited before the build returns. */
  pending: Promise<void>[];
  /** Progress text unless quiet. */
  say: (text: string) => void;
}
