export { type AppDeps, type AppSurface, createApp, type GatewayApp } from './app.ts';
export { ConfigError, type GatewayConfig, loadConfig } from './config.ts';
export { buildServices, type GatewayServices } from './services.ts';
