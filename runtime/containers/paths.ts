/**
 * Where a container's files live. Persistent files sit under the engine root
 * (they survive reboots); volatile ones — the bundle with the mounted rootfs,
 * conmon's sockets, fifos and pid files — under the run root, which a reboot
 * clears together with the mounts and monitors it described.
 */
import path from 'node:path';

export interface ContainerPaths {
  /** `<root>/containers/<id>`: container.json, state.json, log, hostname, hosts, resolv.conf. */
  dir: string;
  log: string;
  hostname: string;
  hosts: string;
  resolvConf: string;
  /** `<run>/c/<id>`: volatile state. */
  run: string;
  bundle: string;
  rootfs: string;
  specFile: string;
  attachSocket: string;
  winsz: string;
  pidFile: string;
  persist: string;
  oomFile: string;
  exitFile: string;
  execs: string;
}

/** Paths of container `id` for an engine rooted at `root`/`runRoot`. */
export function containerPaths(root: string, runRoot: string, id: string): ContainerPaths {
  const dir = path.join(root, 'containers', id);
  const run = path.join(runRoot, 'c', id);
  const bundle = path.join(run, 'bundle');
  return {
    dir,
    log: path.join(dir, 'ctr.log'),
    hostname: path.join(dir, 'hostname'),
    hosts: path.join(dir, 'hosts'),
    resolvConf: path.join(dir, 'resolv.conf'),
    run,
    bundle,
    rootfs: path.join(bundle, 'rootfs'),
    specFile: path.join(bundle, 'config.json'),
    attachSocket: path.join(bundle, 'attach'),
    winsz: path.join(bundle, 'winsz'),
    pidFile: path.join(run, 'pidfile'),
    persist: path.join(run, 'persist'),
    oomFile: path.join(run, 'persist', 'oom'),
    exitFile: path.join(exitDir(runRoot), id),
    execs: path.join(run, 'exec'),
  };
}

/** Where conmon writes `<id>` files holding exit codes. */
export function exitDir(runRoot: string): string {
  return path.join(runRoot, 'exits');
}
