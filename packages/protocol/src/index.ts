export * from './errors';
export * from './paths';
export * from './api';
export * from './ws';
export * from './bounded-json';
export * from './names';
export * from './json-text';
export * from './admin';
