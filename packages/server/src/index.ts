export type { Config } from './config.js';
export { loadConfig } from './config.js';
export type { Context, ContextOptions } from './context.js';
export { createContext } from './context.js';
export { TesseraError } from './errors.js';
export type { AppOptions } from './http/app.js';
export { buildApp } from './http/app.js';
export type { RunningServer } from './server.js';
export { startServer } from './server.js';
