/** The stack definitions: which Debian packages each stack holds. */
import type { StackDefinition } from './types.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV = [PATH, 'LANG=C.UTF-8', 'DEBIAN_FRONTEND=noninteractive'];

/** Where buildpacks compile: compilers, VCS, HTTP, Python and Go toolchains. */
export const buildStack: StackDefinition = {
  name: 'tspaas/build-stack:bookworm',
  base: 'debian:bookworm',
  packages: [
    'build-essential', 'ca-certificates', 'curl', 'file', 'git', 'golang-go', 'jq', 'libffi-dev', 'libssl-dev',
    'pkg-config', 'procps', 'python3', 'python3-dev', 'python3-venv', 'unzip', 'xz-utils', 'zlib1g-dev',
  ],
  env: ENV,
};

/** What apps run on: runtime libraries only (python3 because venvs link to Debian's interpreter). */
export const runStack: StackDefinition = {
  name: 'tspaas/run-stack:bookworm',
  base: 'debian:bookworm',
  packages: ['ca-certificates', 'curl', 'libssl3', 'netbase', 'procps', 'python3', 'tzdata'],
  env: ENV.slice(0, 2),
};
