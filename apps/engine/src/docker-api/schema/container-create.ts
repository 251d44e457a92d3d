/**
 * @module docker-api/schema/container-create
 * Zod schemas of the `POST /containers/create` body (moby api/swagger.yaml ContainerConfig +
 * HostConfig + NetworkingConfig). Only the fields the engine reads are typed; every object is
 * `.passthrough()` because clients send dozens of fields we do not act on (those are reported as
 * warnings by the mapper, not rejected). Every field is nullish: Go clients marshal nil slices and
 * maps as `null`.
 */
import { z } from 'zod';

const str = z.string().nullish();
const bool = z.boolean().nullish();
const int = z.number().int().nullish();
const strList = z.array(z.string()).nullish();
/** moby strslice.StrSlice: a JSON string or an array of strings. */
export const StrSlice = z.union([z.string(), z.array(z.string())]).nullish();
const emptyObjectMap = z.record(z.string(), z.object({}).passthrough().nullable()).nullish();

export const PortBindingSchema = z.object({ HostIp: str, HostPort: str }).passthrough();

export const HostConfigSchema = z.object({
  Binds: strList,
  NetworkMode: str,
  PortBindings: z.record(z.string(), z.array(PortBindingSchema).nullable()).nullish(),
  PublishAllPorts: bool,
  RestartPolicy: z.object({ Name: str, MaximumRetryCount: int }).passthrough().nullish(),
  AutoRemove: bool,
  Privileged: bool,
  ReadonlyRootfs: bool,
  CapAdd: strList,
  CapDrop: strList,
  SecurityOpt: strList,
  Memory: int,
  MemorySwap: int,
  NanoCpus: int,
  CpuShares: int,
  PidsLimit: int,
  ConsoleSize: z.array(z.number().int().nonnegative()).length(2).nullish(),
  Init: bool,
  LogConfig: z.object({ Type: str, Config: z.record(z.string(), z.string()).nullish() }).passthrough().nullish(),
  ExtraHosts: strList,
  Dns: strList,
  Mounts: z.array(z.object({
    Type: z.string(),
    Source: str,
    Target: z.string(),
    ReadOnly: bool,
    VolumeOptions: z.object({ NoCopy: bool, Labels: z.record(z.string(), z.string()).nullish() }).passthrough().nullish(),
    TmpfsOptions: z.object({ SizeBytes: int, Mode: int }).passthrough().nullish(),
  }).passthrough()).nullish(),
  Tmpfs: z.record(z.string(), z.string()).nullish(),
  VolumesFrom: strList,
  Links: strList,
  CpuQuota: int,
  CpuPeriod: int,
  CpusetCpus: str,
  CpusetMems: str,
  MemoryReservation: int,
  BlkioWeight: int,
  Ulimits: z.array(z.object({ Name: z.string(), Soft: int, Hard: int }).passthrough()).nullish(),
  Devices: z.array(z.object({ PathOnHost: z.string(), PathInContainer: str, CgroupPermissions: str }).passthrough()).nullish(),
}).passthrough();

/** container.HealthConfig (durations in ns). */
export const HealthcheckSchema = z.object({
  Test: strList, Interval: int, Timeout: int, StartPeriod: int, StartInterval: int, Retries: int,
}).passthrough();

export const NetworkingConfigSchema = z.object({
  EndpointsConfig: z.record(z.string(), z.object({
    Aliases: strList,
    IPAMConfig: z.object({ IPv4Address: str }).passthrough().nullish(),
  }).passthrough().nullable()).nullish(),
}).passthrough();

export const ContainerCreateBodySchema = z.object({
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: emptyObjectMap,
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: strList,
  Cmd: StrSlice,
  Entrypoint: StrSlice,
  Image: str,
  Volumes: emptyObjectMap,
  WorkingDir: str,
  Labels: z.record(z.string(), z.string()).nullish(),
  StopSignal: str,
  StopTimeout: int,
  Healthcheck: HealthcheckSchema.nullish(),
  HostConfig: HostConfigSchema.nullish(),
  NetworkingConfig: NetworkingConfigSchema.nullish(),
}).passthrough();

export type ContainerCreateBody = z.output<typeof ContainerCreateBodySchema>;
export type HostConfigBody = z.output<typeof HostConfigSchema>;
