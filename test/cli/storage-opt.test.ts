/** `--storage-opt` and `volume create --opt` parsing (issue 13, part 5): the CLI forwards key=value pairs; the engine checks them. */
import test from 'ava';
import { buildCreateRequest, parseStorageOpts } from '../../cli/run-options.js';

test('--storage-opt key=value pairs become HostConfig.StorageOpt; none leaves it out', (t) => {
  const penv = { cwd: '/', env: {}, readFile: () => '' };
  t.deepEqual(buildCreateRequest({ storageOpt: ['size=10G'] }, 'busybox', [], penv).body.HostConfig.StorageOpt, { size: '10G' });
  t.false('StorageOpt' in buildCreateRequest({}, 'busybox', [], penv).body.HostConfig);
  t.deepEqual(parseStorageOpts(['o=size=16M'], '--opt'), { o: 'size=16M' });
  t.throws(() => parseStorageOpts(['size']), { message: /invalid --storage-opt "size": use key=value, e.g. size=10G/ });
  t.throws(() => parseStorageOpts(['=1G'], '--opt'), { message: /invalid --opt "=1G": use key=value, e.g. o=size=10G/ });
});
