/**
 * ava's configuration. Test files run four at a time; the ones that take
 * minutes start first (longest first, from the durations of full runs), so
 * that none of them starts late and makes the tail of the run. The rest
 * follow in ava's usual order.
 */
const LONGEST_FIRST = [
  'test/runtime/network/leaks.test.ts',
  'test/runtime/network/density.test.ts',
  'test/runtime/api/e2e.test.ts',
  'test/runtime/api/server.test.ts',
  'test/runtime/containers/lifecycle.test.ts',
  'test/platform/e2e/destroy.test.ts',
  'test/runtime/build/network.test.ts',
  'test/runtime/baseimages/debian.test.ts',
  'test/platform/e2e/crash.test.ts',
  'test/buildpacks/languages.test.ts',
  'test/buildpacks/build.test.ts',
  'test/platform/builds/builder.test.ts',
];

const rank = (file) => {
  const i = LONGEST_FIRST.findIndex((f) => file.endsWith(f));
  return i < 0 ? LONGEST_FIRST.length : i;
};

export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '3m',
  concurrency: 4,
  workerThreads: false,
  require: ['./test/helpers/quota-store.ts'],
  sortTestFiles: (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
};
