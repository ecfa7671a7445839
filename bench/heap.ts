/**
 * @module The V8 heap limit benchmarks give the server processes they start: the same as `npm start` and the
 * `skiff` command's own line use (the default, about 4 GiB, is too small for 100,000 pods held by the
 * watch cache and the in-process control loops' informers together).
 */
export const HEAP_FLAG = '--max-old-space-size=8192';
