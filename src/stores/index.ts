export type * from './analytics-store.js';
export type * from './graph-store.js';
export type * from './home-store.js';
export type * from './key-value-store.js';
export type * from './search-store.js';
export type * from './versioned-change.js';
