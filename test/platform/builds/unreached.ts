/**
 * For tests whose builds never succeed (refused, failing builds): there is
 * no release to make, so no deployer is reached. Every method throws, so a
 * test that reaches one fails loudly instead of passing on a fake.
 */
import type { Deployer } from '../../../platform/types.js';

/** A Deployer whose every call fails the test. */
export function unreachableDeployer(): Deployer {
  const fail = (name: string) => () => { throw new Error(`deployer.${name} reached in a test whose builds must not succeed`); };
  return {
    createRelease: fail('createRelease'), deployRelease: fail('deployRelease'), reconcileApp: fail('reconcileApp'),
    scale: fail('scale'), restart: fail('restart'), waitForRelease: fail('waitForRelease'),
  };
}
