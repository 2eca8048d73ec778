/**
 * The quick tier (`npm run test:unit`, scripts/test-unit.sh): the test files
 * that need no root, no engine, no database and no daemon — pure functions,
 * fake APIs on loopback ports the kernel picks, the CLI against a fake API,
 * files in temporary directories. About a third of the files, in about a
 * minute on 2 cores. The whole suite (`npm test`, scripts/test.sh, CI) still
 * runs every file, these included.
 *
 * A file belongs here only when it imports none of the real-host helpers
 * (test/helpers/engine, daemon, platform, router, postgres, netns,
 * network-slot, registry, stacks, quota-store…), starts no tspaasd, router,
 * crun or registry, mounts nothing and reads no DATABASE_URL / REDIS_URL.
 * Two guards keep it so: test:unit runs as an unprivileged user with neither
 * variable set (a file that starts needing root or a database fails there),
 * and test/helpers/unit-tier.test.ts checks each listed file's imports.
 */
export const UNIT_FILES = [
  'test/bench/rounds.test.ts',
  'test/buildpacks/downloads.test.ts',
  'test/buildpacks/procfile.test.ts',
  'test/buildpacks/python-go-exit-paths.test.ts',
  'test/cli/archive.test.ts',
  'test/cli/engine-client.test.ts',
  'test/cli/format.test.ts',
  'test/cli/frames.test.ts',
  'test/cli/network.test.ts',
  'test/cli/ports.test.ts',
  'test/cli/program.test.ts',
  'test/cli/registry.test.ts',
  'test/cli/run-options.test.ts',
  'test/cli/storage-opt.test.ts',
  'test/cli/lazy-commands.test.ts',
  'test/cli/platform-commands.test.ts',
  'test/cli/platform-format.test.ts',
  'test/cli/platform-git.test.ts',
  'test/cli/platform-tty.test.ts',
  'test/helpers/summary/count.test.ts',
  'test/helpers/summary/times.test.ts',
  'test/helpers/unit-tier.test.ts',
  'test/lib/bytes.test.ts',
  'test/lib/http-status.test.ts',
  'test/lib/human.test.ts',
  'test/lib/parallel.test.ts',
  'test/lib/process.test.ts',
  'test/platform/deploy/initial-formation.test.ts',
  'test/platform/deploy/pure.test.ts',
  'test/platform/plans.test.ts',
  'test/platform/scheduler/log-archive.test.ts',
  'test/router/deadlines.test.ts',
  'test/router/table/compile.test.ts',
  'test/runtime/api/docker/changes.test.ts',
  'test/runtime/api/docker/container-create.test.ts',
  'test/runtime/api/docker/container-json.test.ts',
  'test/runtime/api/docker/create-fields.test.ts',
  'test/runtime/api/docker/event-json.test.ts',
  'test/runtime/api/docker/filters.test.ts',
  'test/runtime/api/docker/image-json.test.ts',
  'test/runtime/api/docker/network-json.test.ts',
  'test/runtime/api/docker/refs.test.ts',
  'test/runtime/api/docker/time.test.ts',
  'test/runtime/api/events.test.ts',
  'test/runtime/api/http/errors.test.ts',
  'test/runtime/api/http/version.test.ts',
  'test/runtime/api/streams/framing.test.ts',
  'test/runtime/build/dockerfile/parse.test.ts',
  'test/runtime/build/dockerfile/substitute.test.ts',
  'test/runtime/build/ignore.test.ts',
  'test/runtime/containers/detach-keys.test.ts',
  'test/runtime/containers/env.test.ts',
  'test/runtime/containers/healthcheck.test.ts',
  'test/runtime/containers/limits.test.ts',
  'test/runtime/containers/seccomp.test.ts',
  'test/runtime/containers/user.test.ts',
  'test/runtime/images/refs.test.ts',
  'test/runtime/images/saveload.test.ts',
  'test/runtime/images/store.test.ts',
  'test/runtime/network/dns.test.ts',
  'test/runtime/network/names.test.ts',
  'test/runtime/network/plan.test.ts',
  'test/runtime/quota/detect.test.ts',
];

/** Files that spawn the CLI or git many times: started first, so none makes the tail of the run. */
const LONGEST_FIRST = ['test/cli/lazy-commands.test.ts', 'test/cli/platform-git.test.ts', 'test/cli/platform-commands.test.ts', 'test/cli/platform-tty.test.ts'];

const rank = (file) => {
  const i = LONGEST_FIRST.findIndex((f) => file.endsWith(f));
  return i < 0 ? LONGEST_FIRST.length : i;
};

export default {
  files: UNIT_FILES,
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '1m',
  workerThreads: false,
  // Run as an unprivileged user: ava's cache (node_modules/.cache) may not be writable.
  cache: false,
  sortTestFiles: (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
};
