/**
 * @module config
 * berthd's configuration: dockerd's flags where they apply, validated with zod. Every key is
 * documented here because this is what an operator reads.
 */
import { z } from 'zod';

export const ConfigSchema = z.object({
  /** Listen addresses, dockerd style: unix:///path (mode 0660) or tcp://127.0.0.1:port. */
  hosts: z.array(z.string().regex(/^(unix:\/\/\/.+|tcp:\/\/.+:\d+)$/, 'host must be unix:///PATH or tcp://HOST:PORT')).min(1),
  /** Persistent state: images, layers, container records and logs. */
  dataRoot: z.string().startsWith('/'),
  /** Runtime state (tmpfs): OCI bundles, runc state, conmon sockets and exit files. */
  execRoot: z.string().startsWith('/'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'fatal']),
  /** Bridge for the default network, and its subnet (dockerd's --bip, as a CIDR). */
  bridgeName: z.string().min(1).max(15),
  bip: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/),
  /** Absolute cgroup parent of containers (each one gets <parent>/<id>). */
  cgroupParent: z.string().startsWith('/'),
  /** pids limit applied to containers that set none (Docker has none; Podman uses 2048). */
  defaultPidsLimit: z.number().int().positive(),
  /** Container logs rotate past this size (bytes); 0 disables rotation. */
  logMaxSize: z.number().int().nonnegative(),
  pidFile: z.string().optional(),
  /** dockerd's --default-address-pool: where user networks without --subnet take theirs from. */
  defaultAddressPools: z.array(z.string().min(1)).default([]),
  /** dockerd's --insecure-registry: plain HTTP for these registries (loopback ones always are). */
  insecureRegistries: z.array(z.string().min(1)).default([]),
  /** Dashboard listener HOST:PORT (loopback only: the API it serves is root-equivalent); absent = none. */
  web: z.string().regex(/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/, '--web must be a loopback HOST:PORT (127.0.0.1:4001)').optional(),
  /** Browser origins allowed to call the dashboard listener (the Next.js app's). */
  webOrigins: z.array(z.string().regex(/^https?:\/\/[^/]+$/, '--web-origin must be scheme://host[:port]')).min(1),
  /** Seconds a terminal session with no watcher stays open. */
  webTerminalIdle: z.number().int().positive(),
});
export type BerthConfig = z.infer<typeof ConfigSchema>;

export const DEFAULTS = {
  hosts: ['unix:///run/berth/berth.sock'],
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  logLevel: 'info',
  bridgeName: 'berth0',
  bip: '10.231.0.1/24',
  cgroupParent: '/berth',
  defaultPidsLimit: 2048,
  logMaxSize: 100 * 1024 * 1024,
  webOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
  webTerminalIdle: 1800,
} as const satisfies Omit<BerthConfig, 'pidFile' | 'insecureRegistries' | 'defaultAddressPools'>;
