/**
 * @module network/network-manager
 * Contract between the container lifecycle and container networking.
 *
 * Lifecycle: the daemon calls `init()` once at start (host side: bridge, sysctls, firewall chains),
 * then `reconcile(keep)` with the ids of containers that still own a network, which frees the
 * leftovers of containers that died while the daemon was down. Each container start calls
 * `attach()` before `runc create` and puts the returned `netnsPath` into the OCI spec (`null` = no
 * network namespace, i.e. host networking); each stop/removal calls `detach()`.
 *
 * Vocabulary: *mode* is Docker's `HostConfig.NetworkMode` (`bridge`/`default`, `none`, `host`);
 * *netns* is a named network namespace pinned under /var/run/netns by `ip netns add`, so it
 * outlives both the container's processes and the daemon.
 */

export interface ContainerNetworkConfig {
  containerId: string;
  /** 'bridge' | 'default' | 'none' | 'host' */
  mode: string;
  hostname: string;
}

export interface AttachedNetwork {
  /** null for host mode: the container shares the host's network namespace */
  netnsPath: string | null;
  /** The fields below are '' (and 0) for none/host. */
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  networkName: string;
}

export interface NetworkManager {
  /** Idempotent host setup: bridge, addresses, iptables chains. Called once at daemon start. */
  init(): Promise<void>;
  /** Creates the netns (a name derived from the id), veth pair, address, route. */
  attach(cfg: ContainerNetworkConfig): Promise<AttachedNetwork>;
  /** Removes veth + netns and releases the IP. Idempotent (missing pieces are fine). */
  detach(containerId: string): Promise<void>;
  /** After a daemon restart: release IPs / netns of containers not in `keep`. */
  reconcile(keep: ReadonlySet<string>): Promise<void>;
}
