/**
 * @module images/distribution-types
 * Domain types of moving images between this host and registries or archives: credentials as the
 * client hands them over (never persisted, never logged), and progress events. A progress event
 * is transport-neutral: `id` names a layer (12-hex short digest) or a tag, `status` is Docker's
 * wording ("Downloading", "Pull complete"), `current`/`total` are byte counts when known.
 */
import type { ImageReference } from './image-types.js';

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** OAuth refresh token a previous login returned (Docker's IdentityToken). */
  identityToken?: string;
  /** A bearer token to send as-is (Docker's RegistryToken). */
  registryToken?: string;
  serverAddress?: string;
}

export interface ProgressEvent {
  status: string;
  id?: string;
  current?: number;
  total?: number;
  /** Structured result for the transport (push: `{Tag, Digest, Size}`). */
  aux?: Record<string, unknown>;
}

export interface PullOptions {
  auth?: RegistryAuth;
  /** `linux/amd64`…; default: the host's. */
  platform?: string;
  signal?: AbortSignal;
}

export interface PushOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export interface LoginResult {
  status: string;
  identityToken?: string;
}

export interface LoadResult {
  /** `Loaded image: x:y` / `Loaded image ID: sha256:…` lines, as docker load prints them. */
  messages: string[];
}

export type { ImageReference };
