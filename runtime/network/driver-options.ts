/**
 * The bridge driver's options (`network create -o key=value`), by Docker's
 * names. Those the engine can honour are applied; every other one is refused
 * with its name, never stored and ignored.
 */
import { invalid } from '../../lib/errors.js';

/** What the options change in a network, already checked. */
export interface BridgeOptions {
  /** `com.docker.network.bridge.name`: the Linux bridge's name instead of a generated one. */
  bridgeName?: string;
  /** `com.docker.network.driver.mtu`: the MTU of the containers' interfaces. */
  mtu?: number;
  /** `com.docker.network.bridge.enable_ip_masquerade` (default true): outbound NAT of the subnet. */
  masquerade: boolean;
}

/** Linux interface names: at most 15 bytes, no "/", no whitespace, not "." or "..". */
const IFNAME_RE = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;

type Apply = (value: string, out: BridgeOptions) => void;

const OPTIONS: Record<string, Apply> = {
  'com.docker.network.bridge.name': (v, out) => {
    if (!IFNAME_RE.test(v)) throw invalid(`invalid bridge name "${v}" (com.docker.network.bridge.name): at most 15 of [A-Za-z0-9_.-]`);
    out.bridgeName = v;
  },
  'com.docker.network.driver.mtu': (v, out) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 68 || n > 65535) throw invalid(`invalid MTU "${v}" (com.docker.network.driver.mtu): 68 to 65535`);
    out.mtu = n;
  },
  'com.docker.network.bridge.enable_ip_masquerade': (v, out) => {
    out.masquerade = bool('com.docker.network.bridge.enable_ip_masquerade', v);
  },
  // Containers of one bridge always reach each other here: only the default (true) can be honoured.
  'com.docker.network.bridge.enable_icc': (v) => {
    if (!bool('com.docker.network.bridge.enable_icc', v)) {
      throw invalid('com.docker.network.bridge.enable_icc=false is not supported: containers on one network always reach each other; use separate networks');
    }
  },
};

/** Check and interpret a network's driver options; an unknown or unsupported one is Invalid, named. */
export function parseBridgeOptions(options: Record<string, string> | undefined): BridgeOptions {
  const out: BridgeOptions = { masquerade: true };
  for (const [key, value] of Object.entries(options ?? {})) {
    const apply = OPTIONS[key];
    if (!apply) {
      throw invalid(`network driver option "${key}" is not supported by the bridge driver; supported: ${Object.keys(OPTIONS).join(', ')}`);
    }
    apply(String(value), out);
  }
  return out;
}

function bool(key: string, v: string): boolean {
  if (['true', '1'].includes(v.toLowerCase())) return true;
  if (['false', '0'].includes(v.toLowerCase())) return false;
  throw invalid(`invalid value "${v}" for ${key}: true or false`);
}
