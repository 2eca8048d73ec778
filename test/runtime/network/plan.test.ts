/**
 * The address plan of a network as data: host-local ranges cut around the
 * gateway and aux addresses inside --ip-range, the checks of create's IPAM
 * settings, and the bridge driver's options by Docker's names.
 */
import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { allocationRanges, bridgeList } from '../../../runtime/network/plan.js';
import { parseMacAddress } from '../../../lib/mac-address.js';
import { checkAddressPlan, checkFixedAddress } from '../../../runtime/network/ipam-config.js';
import { parseBridgeOptions } from '../../../runtime/network/driver-options.js';
import { parseSubnet } from '../../../runtime/network/cidr.js';
import type { Network } from '../../../runtime/network/types.js';

const net = (extra: Partial<Network>): Network => ({
  id: 'a'.repeat(64), name: 'n', driver: 'bridge', bridge: 'tsbr-x', subnet: '10.5.0.0/24', gateway: '10.5.0.1',
  internal: false, labels: {}, options: {}, created: '', isDefault: false, ...extra,
});

test('no range, no aux: the whole subnet, as before', (t) => {
  t.deepEqual(allocationRanges(net({})), [{ subnet: '10.5.0.0/24', gateway: '10.5.0.1' }]);
});

test('docker-py\'s ipam config: the range is cut around the gateway; aux addresses outside the range change nothing', (t) => {
  const n = net({ subnet: '172.28.0.0/16', ipRange: '172.28.5.0/24', gateway: '172.28.5.254', auxAddresses: { a: '172.28.1.5', b: '172.28.1.6' } });
  t.deepEqual(allocationRanges(n), [
    { subnet: '172.28.0.0/16', gateway: '172.28.5.254', rangeStart: '172.28.5.0', rangeEnd: '172.28.5.253' },
    { subnet: '172.28.0.0/16', gateway: '172.28.5.254', rangeStart: '172.28.5.255', rangeEnd: '172.28.5.255' },
  ]);
});

test('a range at the subnet\'s edges leaves out the network and broadcast addresses and every reserved one', (t) => {
  const n = net({ ipRange: '10.5.0.0/29', auxAddresses: { x: '10.5.0.3', y: '10.5.0.4' } });
  t.deepEqual(allocationRanges(n).map((r) => `${r.rangeStart}-${r.rangeEnd}`), ['10.5.0.2-10.5.0.2', '10.5.0.5-10.5.0.7']);
  // A fixed address may lie anywhere in the subnet but a reserved one.
  t.deepEqual(allocationRanges(n, '10.5.0.200').map((r) => `${r.rangeStart}-${r.rangeEnd}`), ['10.5.0.2-10.5.0.2', '10.5.0.5-10.5.0.254']);
  checkFixedAddress(n, '10.5.0.200');
  t.true(isKind(t.throws(() => checkFixedAddress(n, '10.5.0.3')), 'Conflict'));
  t.true(isKind(t.throws(() => checkFixedAddress(n, '10.5.0.1')), 'Conflict'));
  t.true(isKind(t.throws(() => checkFixedAddress(n, '10.6.0.3')), 'Invalid'));
});

test('create\'s address plan: range inside the subnet with room left, aux addresses inside, distinct, not the gateway', (t) => {
  const s = parseSubnet('10.5.0.0/24');
  checkAddressPlan(s, '10.5.0.1', '10.5.0.128/25', { a: '10.5.0.10' });
  const cases: Array<[string, string | undefined, Record<string, string> | undefined, RegExp]> = [
    ['10.6.0.1', undefined, undefined, /gateway 10\.6\.0\.1 is not in subnet/],
    ['10.5.0.1', '10.6.0.0/25', undefined, /not inside subnet/],
    ['10.5.0.1', '10.5.0.0/16', undefined, /not inside subnet/],
    ['10.5.0.1', '10.5.0.0/30', { a: '10.5.0.2', b: '10.5.0.3' }, /no address left/],
    ['10.5.0.1', undefined, { a: '10.5.1.9' }, /not in subnet/],
    ['10.5.0.1', undefined, { a: '10.5.0.1' }, /is the gateway/],
    ['10.5.0.1', undefined, { a: '10.5.0.9', b: '10.5.0.9' }, /both 10\.5\.0\.9/],
  ];
  for (const [gw, range, aux, message] of cases) t.true(isKind(t.throws(() => checkAddressPlan(s, gw, range, aux), { message }), 'Invalid'));
});

test('bridge driver options: Docker\'s names applied, anything else refused by name', (t) => {
  t.deepEqual(parseBridgeOptions(undefined), { masquerade: true });
  t.deepEqual(parseBridgeOptions({
    'com.docker.network.bridge.name': 'br-app', 'com.docker.network.driver.mtu': '1400',
    'com.docker.network.bridge.enable_ip_masquerade': 'false', 'com.docker.network.bridge.enable_icc': 'true',
  }), { bridgeName: 'br-app', mtu: 1400, masquerade: false });
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ 'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1' }, /"com\.docker\.network\.bridge\.host_binding_ipv4" is not supported/],
    [{ 'com.docker.network.bridge.enable_icc': 'false' }, /enable_icc=false/],
    [{ 'com.docker.network.driver.mtu': '9x' }, /invalid MTU/],
    [{ 'com.docker.network.driver.mtu': '20' }, /invalid MTU/],
    [{ 'com.docker.network.bridge.name': 'a-name-far-too-long' }, /invalid bridge name/],
    // Interface names are path components under /proc/sys/net: no "/" or ".." (path traversal, OWASP).
    [{ 'com.docker.network.bridge.name': '..' }, /invalid bridge name/],
    [{ 'com.docker.network.bridge.name': 'a/b' }, /invalid bridge name/],
    [{ 'com.docker.network.bridge.enable_ip_masquerade': 'maybe' }, /true or false/],
  ];
  for (const [opts, message] of refused) t.true(isKind(t.throws(() => parseBridgeOptions(opts), { message }), 'Invalid'));
});

test('the network list: bridge, then tuning for a fixed MAC, then portmap for published ports', (t) => {
  const types = (wish: Parameters<typeof bridgeList>[2]) => bridgeList(net({}), '/ipam', wish).plugins.map((p) => p.type);
  t.deepEqual(types({ withPorts: false }), ['bridge']);
  t.deepEqual(types({ withPorts: true, mac: '02:42:ac:11:00:0a' }), ['bridge', 'tuning', 'portmap']);
  t.deepEqual(bridgeList(net({}), '/ipam', { withPorts: false, mac: '02:42:ac:11:00:0a' }).plugins[1], { type: 'tuning', mac: '02:42:ac:11:00:0a' });
});

test('--mac-address: six pairs with colons or dashes, canonical lowercase; short, junk, multicast and all-zero ones refused', (t) => {
  t.is(parseMacAddress('02:42:AC:11:00:0A'), '02:42:ac:11:00:0a');
  t.is(parseMacAddress('0a-00-00-00-be-ef'), '0a:00:00:00:be:ef');
  for (const bad of ['02:42:ac:11:00', '02:42:ac:11:00:0a:ff', '02:42-ac:11:00:0a', 'zz:42:ac:11:00:0a', '', '0242.ac11.000a']) {
    t.true(isKind(t.throws(() => parseMacAddress(bad)), 'Invalid'), bad);
  }
  t.throws(() => parseMacAddress('01:00:5e:00:00:01'), { message: /multicast/ });
  t.throws(() => parseMacAddress('ff:ff:ff:ff:ff:ff'), { message: /multicast/ });
  t.throws(() => parseMacAddress('00:00:00:00:00:00'), { message: /all zeros/ });
});
