/**
 * @module The V8 heap flags benchmarks give the server processes they start: the same as `npm start` and the
 * `skiff` command's own line use. The old-space limit: the default, about 4 GiB, is too small for 100,000
 * pods held by the watch cache and the control loops' informers together. The young generation: with 64 MiB
 * semi-spaces (16 by default) fewer short-lived request objects survive into costly scavenges; the
 * scheduler bench measured ~9 % less CPU and ~11 % more pods/s, bench:api ~5 % more creates/s.
 */
export const HEAP_FLAGS = ['--max-old-space-size=8192', '--max-semi-space-size=64'];
