export * from './topics';
export * from './messages';
export * from './routes';
export * from './socket';
export * from './read-models';
export * from './http';
export * from './trip-status';
export * from './documents';
