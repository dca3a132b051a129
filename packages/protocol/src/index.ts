export * from './errors';
export * from './paths';
