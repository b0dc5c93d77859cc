export * from './topics';
export * from './messages';
export * from './routes';
export * from './socket';
