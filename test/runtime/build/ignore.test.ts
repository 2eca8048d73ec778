import test from 'ava';
import { isExcluded, parseIgnore } from '../../../runtime/build/ignore.js';

test('.dockerignore: exclusions, ! exceptions (last match wins), ** and Go filepath.Match', (t) => {
  const p = parseIgnore(`
# comment
node_modules
*.log
!keep.log
/build/
docs/**/*.md
!docs/README.md
**/secret?.txt
[ab].txt
temp*
!temp/keep
`);
  const yes = ['node_modules', 'node_modules/x/index.js', 'a.log', 'build/out', 'docs/x.md', 'docs/a/b/c.md', 'secret1.txt', 'x/y/secret2.txt', 'a.txt', 'tempfile', 'temp/other'];
  const no = ['keep.log', 'sub/a.log', 'docs/README.md', 'docs/x.txt', 'secret10.txt', 'c.txt', 'src/node_modules_x', 'temp/keep', 'Dockerfile'];
  for (const f of yes) t.true(isExcluded(p, f), f);
  for (const f of no) t.false(isExcluded(p, f), f);
});

test('.dockerignore: a later exclusion beats an earlier exception; paths are cleaned', (t) => {
  const p = parseIgnore('!a.txt\n*.txt\n./dir/../other\n');
  t.true(isExcluded(p, 'a.txt'));
  t.true(isExcluded(p, 'other/x'));
  t.false(isExcluded(parseIgnore(''), 'anything'));
});
