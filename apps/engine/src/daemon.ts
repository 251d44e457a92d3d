/**
 * @module daemon
 * Runs the engine: builds it (composition root in @berth/runtime's createEngine), serves the
 * Docker API, and shuts down on SIGTERM/SIGINT. Containers keep running across a shutdown or a
 * crash (conmon owns them); the next start reconciles.
 */
import { createEngine, createLogger } from '@berth/runtime';
import { createDockerApiServer } from './docker-api/server.js';
import type { BerthConfig } from './config/config.js';
import { startWebServer, type WebServer } from './web/web-server.js';

export async function startDaemon(config: BerthConfig): Promise<void> {
  const logger = createLogger(config.logLevel === 'fatal' ? 'error' : config.logLevel);
  // A bug in one request must not take every container's API down with it.
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', { err }));
  process.on('uncaughtException', (err) => logger.error('uncaught exception', { err }));

  const engine = await createEngine({
    dataRoot: config.dataRoot, execRoot: config.execRoot, logger,
    bridgeName: config.bridgeName, bip: config.bip, cgroupParent: config.cgroupParent,
    defaultPidsLimit: config.defaultPidsLimit, logMaxSize: config.logMaxSize,
    defaultAddressPools: config.defaultAddressPools.join(';'),
    insecureRegistries: config.insecureRegistries,
  });
  const api = createDockerApiServer(engine.services, { hosts: config.hosts, socketMode: 0o660, logger });
  await api.listen();
  const web: WebServer | undefined = config.web ? await startWebServer({
    services: engine.services, logger, listen: config.web, origins: config.webOrigins,
    terminalIdleSec: config.webTerminalIdle, dataRoot: config.dataRoot, execRoot: config.execRoot,
  }) : undefined;
  logger.info('berthd ready', { hosts: config.hosts, dataRoot: config.dataRoot, execRoot: config.execRoot });

  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down; containers keep running', { signal: sig });
    await api.close().catch(() => undefined);
    await web?.close().catch(() => undefined);
    await engine.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
