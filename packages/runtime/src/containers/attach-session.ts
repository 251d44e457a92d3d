/**
 * @module containers/attach-session
 * An AttachSession that can exist before the container's task does: Docker clients attach to a
 * created container and then start it (`docker run`, `docker start -a`). Stdin written before the
 * task exists is buffered; `connect()` plugs the session into the task's attachment right after
 * conmon created the container and before `runc start`, so no output is missed.
 */
import type { AttachSession, OutputChunk } from './container-types.js';
import type { TaskAttachment } from '../task/task-manager.js';
import { AsyncQueue } from '../util/async-queue.js';

export class PendingAttachSession implements AttachSession {
  private readonly queue = new AsyncQueue<OutputChunk>();
  private attachment: TaskAttachment | undefined;
  private readonly buffered: Buffer[] = [];
  private stdinClosed = false;
  private detached = false;

  constructor(
    readonly tty: boolean,
    private readonly want: { stdin: boolean; stdout: boolean; stderr: boolean },
    private readonly onDetach: (s: PendingAttachSession) => void,
  ) {}

  get output(): AsyncIterable<OutputChunk> {
    return this.queue;
  }

  get isDetached(): boolean {
    return this.detached;
  }

  /** Plugs in the task's attachment; pumps output until the task's socket closes. */
  connect(att: TaskAttachment): void {
    if (this.detached) { att.destroy(); return; }
    this.attachment = att;
    if (this.want.stdin) {
      for (const b of this.buffered) att.write(b);
      this.buffered.length = 0;
      if (this.stdinClosed) att.end();
    }
    void (async () => {
      try {
        for await (const chunk of att.output) {
          if (chunk.stream === 'stdout' ? this.want.stdout : this.want.stderr) this.queue.push(chunk);
        }
      } catch { /* the socket died with the container */ }
      this.queue.end();
    })();
  }

  /** Push output that did not come through the socket (log replay). */
  pushOutput(chunk: OutputChunk): void {
    if (chunk.stream === 'stdout' ? this.want.stdout : this.want.stderr) this.queue.push(chunk);
  }

  /** The container ended (or never started) without a task socket for us. */
  finish(): void {
    this.queue.end();
  }

  writeStdin(data: Buffer): void {
    if (!this.want.stdin || this.stdinClosed || this.detached) return;
    if (this.attachment) this.attachment.write(data);
    else this.buffered.push(data);
  }

  closeStdin(): void {
    if (!this.want.stdin || this.stdinClosed) return;
    this.stdinClosed = true;
    this.attachment?.end();
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.attachment?.destroy();
    this.queue.end();
    this.onDetach(this);
  }
}
