export * from './lab';
export * from './install';
export * from './paths';
export * from './ports';
export * from './process';
export * from './progress';
export * from './testing';
export * from './web-server';
