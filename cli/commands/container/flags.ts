/** The Docker-compatible flags shared by `container run` and `container create`. */
import type { Command } from 'commander';
import { Option } from '../../commander.js';
import { collect } from '../../filters.js';

/** Add the create flags to `cmd`; options stop at the image name so the command keeps its own flags. */
export function addCreateFlags(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'display help for command')
    .passThroughOptions()
    .option('-i, --interactive', 'keep stdin open and attach it')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('-e, --env <name=value>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <file>', 'read environment variables from a file (repeatable)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user[:group]>', 'user to run as')
    .option('--entrypoint <cmd>', 'override the image entrypoint ("" clears it)')
    .option('--name <name>', 'name of the container')
    .option('-h, --hostname <name>', 'container hostname')
    .option('-v, --volume <src:dst[:ro]>', 'bind a host path or mount a named volume (repeatable)', collect)
    .option('--read-only', 'mount the root filesystem read-only')
    .option('--init', 'run an init (catatonit) as PID 1 that forwards signals and reaps zombies')
    .option('--tmpfs <path[:opts]>', 'mount a tmpfs (repeatable)', collect)
    .option('-m, --memory <bytes>', 'memory limit (e.g. 32m, 1g)')
    .option('--cpus <n>', 'number of CPUs (e.g. 1.5)')
    .option('--pids-limit <n>', 'maximum number of processes')
    .option('-c, --cpu-shares <n>', 'CPU weight relative to other containers (default 1024)')
    .option('--restart <policy>', 'no, on-failure[:max-retries], always, unless-stopped')
    .option('-l, --label <key=value>', 'set a label (repeatable)', collect)
    .option('--network <mode>', 'bridge, none, host or a network name')
    .addOption(new Option('--net <mode>', 'same as --network').hideHelp())
    .option('--network-alias <alias>', 'another name of the container on its network (repeatable)', collect)
    .option('--ip <address>', 'fixed IPv4 address on the network given with --network')
    .option('--link <name[:alias]>', 'add a hosts entry for another container (repeatable)', collect)
    .option('--dns <ip>', 'nameserver to use (repeatable)', collect)
    .option('--dns-search <domain>', 'DNS search domain (repeatable)', collect)
    .option('--dns-option <option>', 'resolv.conf option (repeatable)', collect)
    .option('--add-host <host:ip>', 'add a hosts entry (repeatable)', collect)
    .option('-p, --publish <[ip:][host:]ctr[/proto]>', 'publish a port (repeatable; no host port picks a free one)', collect)
    .option('-P, --publish-all', 'publish every exposed port to a free host port')
    .option('--expose <port[/proto]>', 'expose a port or range without publishing it (repeatable)', collect)
    .option('--cap-add <cap>', 'add a Linux capability (repeatable)', collect)
    .option('--cap-drop <cap>', 'drop a Linux capability (repeatable)', collect)
    .option('--privileged', 'give extended privileges')
    .option('--security-opt <opt>', 'seccomp=unconfined|<profile.json>, no-new-privileges[=true|false] (repeatable)', collect)
    .option('--userns <mode>', 'user namespace: "host" (default) or "auto" (own range of host uids)')
    .option('--stop-timeout <seconds>', 'seconds to wait on stop before killing')
    .option('--stop-signal <signal>', 'signal to stop the container')
    .option('--storage-opt <key=value>', 'storage option: size=<size> bounds the writable layer, e.g. size=10G (repeatable)', collect)
    .option('--log-driver <driver>', 'log driver: json-file (default; k8s-file is the same driver) or none')
    .option('--log-opt <key=value>', 'log option: max-size=10m, max-file=3 (repeatable; defaults are the engine\'s)', collect)
    .argument('<image>', 'image to run')
    .argument('[command...]', 'command and arguments');
}
