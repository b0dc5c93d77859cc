export * from './config';
export * from './kafka';
export * from './ops-server';
export * from './shutdown';
export * from './mongo';
export * from './startup';
export * from './mongo-monitor';
