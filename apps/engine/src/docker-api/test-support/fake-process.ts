/**
 * @module docker-api/test-support/fake-process
 * Scripted "processes" for the fake services: a program is chosen by the command's first word and
 * talks through stdin/stdout/stderr like a real one, so transport tests can exercise attach, exec
 * and logs framing without runc.
 */
import { errors, type OutputChunk, type StdStream } from '@berth/runtime';
import { AsyncQueue as Queue } from '@berth/runtime';

export interface ProcIo {
  readonly args: string[];
  readonly stdin: AsyncIterable<Buffer>;
  write(stream: StdStream, data: string | Buffer): void;
  /** Resolves with 128+signal when the process is killed. */
  readonly killed: Promise<number>;
}

export type Program = (io: ProcIo) => Promise<number>;

export const PROGRAMS: Record<string, Program> = {
  echo: async (io) => {
    io.write('stdout', `${io.args.join(' ')}\n`);
    return 0;
  },
  /** Copies stdin to stdout until stdin ends. */
  cat: async (io) => {
    for await (const chunk of io.stdin) io.write('stdout', chunk);
    return 0;
  },
  /** One line on each stream, then exits 0. */
  both: async (io) => {
    io.write('stdout', 'out\n');
    io.write('stderr', 'err\n');
    return 0;
  },
  /** Writes to stderr and exits with the code in its first argument (default 3). */
  fail: async (io) => {
    io.write('stderr', 'oops\n');
    return Number(io.args[0] ?? 3);
  },
  /** Runs until killed. */
  sleep: async (io) => io.killed,
};

export class FakeProcess {
  readonly stdin: Queue<Buffer>;
  readonly pid = 1000 + Math.floor(Math.random() * 30000);
  exitCode: number | undefined;
  private killFn!: (code: number) => void;
  private readonly killed = new Promise<number>((r) => { this.killFn = r; });

  constructor(stdin: Queue<Buffer>, private readonly sink: (chunk: OutputChunk) => void) {
    this.stdin = stdin;
  }

  /** Runs argv[0] (unknown programs behave like `sleep`). */
  run(argv: string[]): Promise<number> {
    const program = PROGRAMS[argv[0] ?? ''] ?? PROGRAMS.sleep!;
    const io: ProcIo = {
      args: argv.slice(1),
      stdin: this.stdin,
      killed: this.killed,
      write: (stream, data) => this.sink({ stream, data: Buffer.isBuffer(data) ? data : Buffer.from(data) }),
    };
    return Promise.race([program(io), this.killed]).then((code) => {
      this.exitCode = code;
      return code;
    });
  }

  kill(signal: number): void {
    this.killFn(128 + signal);
  }
}

export function signalNumber(sig: string | undefined, dflt: number): number {
  if (!sig) return dflt;
  if (/^\d+$/.test(sig)) return Number(sig);
  const name = sig.toUpperCase().replace(/^SIG/, '');
  const table: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15, WINCH: 28 };
  const n = table[name];
  if (n === undefined) throw errors.invalid(`Invalid signal: ${sig}`);
  return n;
}
