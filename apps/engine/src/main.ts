/**
 * berthd: flags → config → createEngine → serve. Nothing else lives here.
 */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigSchema, DEFAULTS, type BerthConfig } from './config/config.js';
import { startDaemon } from './daemon.js';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

const program = new Command()
  .name('berthd')
  .description('Berth container engine daemon (Docker Engine API on runc + conmon + overlayfs)')
  .option('-H, --host <addr>', 'daemon socket to listen on (repeatable): unix:///PATH or tcp://127.0.0.1:PORT', collect)
  .option('--data-root <dir>', 'root of persistent state', DEFAULTS.dataRoot)
  .option('--exec-root <dir>', 'root of runtime state', DEFAULTS.execRoot)
  .option('-l, --log-level <level>', 'debug|info|warn|error|fatal', DEFAULTS.logLevel)
  .option('--bridge <name>', 'bridge of the default network', DEFAULTS.bridgeName)
  .option('--bip <cidr>', 'gateway address and prefix of the default bridge', DEFAULTS.bip)
  .option('--cgroup-parent <path>', 'absolute cgroup parent of containers', DEFAULTS.cgroupParent)
  .option('--default-pids-limit <n>', 'pids limit of containers that set none', String(DEFAULTS.defaultPidsLimit))
  .option('--log-max-size <bytes>', 'rotate container logs past this size (0 = never)', String(DEFAULTS.logMaxSize))
  .option('-p, --pidfile <file>', 'write the daemon pid here')
  .option('--default-address-pool <pool>', 'subnets for user networks, dockerd syntax base=CIDR,size=N (repeatable)', collect)
  .option('--insecure-registry <host>', 'registry reached over plain HTTP (repeatable): host, host:port or CIDR', collect)
  .option('--web <host:port>', 'serve the dashboard API (tRPC, terminals) on this loopback address')
  .option('--web-origin <origin>', 'browser origin allowed on the dashboard API (repeatable)', collect)
  .option('--web-terminal-idle <sec>', 'close terminal sessions with no watcher after this long', String(DEFAULTS.webTerminalIdle))
  .parse();

const o = program.opts<Record<string, string | string[] | undefined>>();
const parsed = ConfigSchema.safeParse({
  hosts: (o.host as string[] | undefined) ?? [...DEFAULTS.hosts],
  dataRoot: path.resolve(String(o.dataRoot)),
  execRoot: path.resolve(String(o.execRoot)),
  logLevel: o.logLevel,
  bridgeName: o.bridge,
  bip: o.bip,
  cgroupParent: o.cgroupParent,
  defaultPidsLimit: Number(o.defaultPidsLimit),
  logMaxSize: Number(o.logMaxSize),
  pidFile: o.pidfile,
  defaultAddressPools: (o.defaultAddressPool as string[] | undefined) ?? [],
  insecureRegistries: (o.insecureRegistry as string[] | undefined) ?? [],
  web: o.web,
  webOrigins: (o.webOrigin as string[] | undefined) ?? [...DEFAULTS.webOrigins],
  webTerminalIdle: Number(o.webTerminalIdle),
});
if (!parsed.success) {
  process.stderr.write(`berthd: invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
  process.exit(2);
}
const config: BerthConfig = parsed.data;
if (process.getuid?.() !== 0) {
  process.stderr.write('berthd: must run as root (it mounts filesystems and runs runc)\n');
  process.exit(1);
}
if (config.pidFile) await fs.writeFile(config.pidFile, `${process.pid}\n`);
await startDaemon(config);
