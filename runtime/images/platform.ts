/** The platform images are made for and picked by: this host's, in OCI words. */

const ARCHES: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64',
};

/** OCI architecture name of this host (`amd64`, `arm64`…). */
export function hostArchitecture(): string {
  return ARCHES[process.arch] ?? process.arch;
}

/** True when an OCI platform descriptor fits this host. */
export function matchesHost(platform: { os?: string; architecture?: string } | undefined): boolean {
  return platform?.os === 'linux' && platform.architecture === hostArchitecture();
}
