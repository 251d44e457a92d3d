/**
 * @module images/image-login
 * `docker login` (POST /auth): the daemon only proves the credentials work, by pinging the
 * registry's `/v2/` through the auth handshake; it stores nothing. A refresh token the token server
 * handed out comes back as IdentityToken, which the CLI then keeps instead of the password.
 */
import type { LoginResult, RegistryAuth } from './distribution-types.js';
import type { DistributionState } from './image-pull.js';
import { DistributionRegistryClient } from '../registry/registry-client.js';
import { domainFromServerAddress } from '../registry/registry-endpoint.js';

export async function loginRegistry(dist: DistributionState, auth: RegistryAuth, signal?: AbortSignal): Promise<LoginResult> {
  const domain = domainFromServerAddress(auth.serverAddress ?? '');
  const client = new DistributionRegistryClient(domain, { auth, insecureRegistries: dist.config.insecureRegistries, http: dist.config.http });
  await client.ping(signal);
  const token = client.authorizer.lastRefreshToken;
  return token ? { status: 'Login Succeeded', identityToken: token } : { status: 'Login Succeeded' };
}
