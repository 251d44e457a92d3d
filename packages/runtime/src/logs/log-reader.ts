/**
 * @module logs/log-reader
 * Reads conmon's k8s-file logs (`TS stream F|P text`), joins P…F records per stream, and serves
 * Docker's since/until/tail/follow. Rotated files (`<path>.1` … ) are read oldest first.
 */
import type { LogEntry } from '../containers/container-types.js';

export interface ReadLogOptions {
  follow: boolean;
  /** unix seconds (fractional); entries strictly before are skipped */
  since?: number;
  /** unix seconds; entries after end the stream */
  until?: number;
  tail?: number | 'all';
  stdout: boolean;
  stderr: boolean;
  signal?: AbortSignal;
  /** Merge runs of lines of one stream into one entry (for consumers that need no per-line time). */
  coalesce?: boolean;
  /** Polled while following; when it resolves false and the file is drained, the stream ends. */
  isRunning: () => boolean | Promise<boolean>;
}

export type ReadLogs = (path: string, opts: ReadLogOptions) => AsyncIterable<LogEntry>;
