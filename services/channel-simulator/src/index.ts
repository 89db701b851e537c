/** For importers: start the simulator in-process, talk to it, read its answers' types. */
export { startSimulator, type SimulatorOptions, type RunningSimulator } from './simulator';
export { SimulatorClient, requireOk, type SimulatorResponse, type ChannelName, type SimulatorClientOptions } from './client';
export { listingFeed } from './feed';
export * from './api-types';
export { SimulatorApiError, SimulatorUnreachableError, SimulatorClientError } from './errors';
export { CHANNEL_SEGMENTS } from './channels';
export { DEFAULT_RATE_PLAN_ID } from './rate-plans';
export { simulatorConfig, type SimulatorConfig } from './config';
