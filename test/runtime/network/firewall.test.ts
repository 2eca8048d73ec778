/**
 * The engine's firewall rules of one network: installed and removed by their
 * comment tag. Removals that overlap (two engines, or an engine and a test
 * clean-up, on one bridge name) all succeed and leave nothing: a rule the
 * other removed meanwhile makes a transaction fail, and the rules are listed
 * again.
 */
import test from 'ava';
import { run } from '../../../lib/exec.js';
import { ensureChains, installRules, removeRules } from '../../../runtime/network/firewall.js';
import { claimNetworkSlot } from '../../helpers/network-slot.js';

async function rulesTagged(bridge: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of ['filter', 'nat']) {
    out.push(...(await run('iptables', ['-w', '-t', t, '-S'])).stdout.split('\n').filter((l) => l.includes(`tspaas:${bridge}"`)));
  }
  return out;
}

test('overlapping removals of one network\'s rules all succeed and leave none', async (t) => {
  const slot = await claimNetworkSlot();
  const bridge = `${slot.config.bridgePrefix}fw`;
  t.teardown(async () => {
    await removeRules(bridge);
    await slot.release();
  });
  await ensureChains();
  for (let round = 0; round < 5; round++) {
    await installRules({ bridge, subnet: slot.config.subnet, gateway: slot.config.subnet.replace(/\.0\/24$/, '.1'), internal: round % 2 === 1 });
    t.true((await rulesTagged(bridge)).length >= 7, `round ${round}: installed`);
    await Promise.all(Array.from({ length: 6 }, () => removeRules(bridge)));
    t.deepEqual(await rulesTagged(bridge), [], `round ${round}: none left`);
  }
});
