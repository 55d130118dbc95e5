/**
 * The gateway as the benchmark runs it: exactly `src/main.ts serve --config FILE` (what
 * `npm start -- --config FILE` runs), plus one hook for the memory check: with `--expose-gc`,
 * SIGUSR2 runs a full garbage collection, so "no growth across repeated runs" compares settled heaps.
 *
 *   node --expose-gc --import tsx bench/gateway.ts --config bench-gateway.json
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) process.on('SIGUSR2', () => gc());
process.argv.splice(2, 0, 'serve');
await import('../src/main.js');
