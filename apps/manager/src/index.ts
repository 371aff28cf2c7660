/**
 * @relay/manager — the control plane app. `createServices(config)` builds its services once,
 * `createApp(services)` builds the HTTP app (serve.ts is the only place that listens).
 */

export type { ManagerApp } from './app.ts';
export { BODY_LIMIT_BYTES, createApp } from './app.ts';
export type { LogLevel, ManagerConfig } from './config.ts';
export { CONFIG_ALIASES, ConfigError, loadConfig, parseDuration } from './config.ts';
export type { ErrorCode } from './errors.ts';
export { ManagerError } from './errors.ts';
export { HostLeases } from './hosts/host-lease.ts';
export type { ProbeReport } from './hosts/probe.ts';
export type { SmokeReport, SmokeStep } from './hosts/smoke.ts';
export type { ManagerServices, ServiceOverrides } from './services.ts';
export { createServices } from './services.ts';
