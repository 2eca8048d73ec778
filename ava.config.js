/**
 * ava's configuration. Test files run four at a time, in ava's usual order,
 * except the files that take minutes (two single long tests and the corpus
 * of 27 pushes): they start first, so that none starts late and makes the
 * tail of the run. (Starting every long file first was tried: four heavy
 * files at once on two cores slowed each other past their timeouts.)
 */
const LONGEST_FIRST = [
  'test/runtime/network/leaks.test.ts',
  'test/runtime/network/density.test.ts',
  'test/platform/e2e/corpus.test.ts',
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
  require: ['./test/helpers/quota-store.ts', './test/helpers/worker-watch.ts'],
  sortTestFiles: (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
};
