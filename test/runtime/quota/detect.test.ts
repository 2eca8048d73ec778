/** Finding the filesystem under the engine's root (issue 13, part 5); mountinfo lines as the kernel writes them. Sizes: test/lib/bytes.test.ts. */
import test from 'ava';
import { mountOf } from '../../../runtime/quota/detect.js';

const MOUNTINFO = `
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
40 22 7:0 / /var/lib/tspaas/engine rw,relatime shared:20 - xfs /dev/loop0 rw,attr2,inode64,prjquota
41 22 7:1 / /var/lib/tspaas-test rw,relatime shared:21 - btrfs /dev/loop1 rw,space_cache=v2,subvolid=5
42 22 7:2 / /srv/my\\040store rw,relatime shared:22 - xfs /dev/loop2 rw,attr2,noquota
`;

test('the longest mount point that holds the path wins, with its options and escaped names', (t) => {
  t.like(mountOf(MOUNTINFO, '/var/lib/tspaas/engine/snapshots'), { mountPoint: '/var/lib/tspaas/engine', fsType: 'xfs' });
  t.true(mountOf(MOUNTINFO, '/var/lib/tspaas/engine')!.options.includes('prjquota'));
  t.like(mountOf(MOUNTINFO, '/var/lib/tspaas/platform'), { mountPoint: '/', fsType: 'ext4' });
  // A sibling whose name starts the same is not inside (/var/lib/tspaas-test vs /var/lib/tspaas).
  t.like(mountOf(MOUNTINFO, '/var/lib/tspaas-test/tmp'), { mountPoint: '/var/lib/tspaas-test', fsType: 'btrfs' });
  t.like(mountOf(MOUNTINFO, '/srv/my store/x'), { mountPoint: '/srv/my store', fsType: 'xfs' });
  t.false(mountOf(MOUNTINFO, '/srv/my store/x')!.options.includes('prjquota'));
});
