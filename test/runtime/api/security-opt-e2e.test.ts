/**
 * `--security-opt` and `--cap-add` through the stock docker CLI (v28) against
 * a real engine behind a real socket: what the CLI actually sends (a
 * profile file becomes its JSON content) must work, inspect must show it,
 * and a bad option must come back as Docker's error.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';
import { docker, withDockerCli, type CliResult } from './cli.js';

let cli: (args: string[]) => Promise<CliResult>;
let dir: string;
let served: ServedEngine | undefined;

withDockerCli(() => {
  test.before(async () => {
    served = await serveTestEngine({ version: '0.1.0-e2e', busybox: true });
    dir = served.dir;
    cli = (args) => docker(served!.socketPath, args);
  });
  test.after.always(() => served?.close());

  test('docker run --security-opt seccomp=<file>: the CLI sends the JSON, the container runs under it; inspect shows it', async (t) => {
    const file = path.join(dir, 'deny-mkdir.json');
    await writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }, null, 2));
    const r = await cli(['run', '--name', 'denied', '--security-opt', `seccomp=${file}`, 'busybox', 'sh', '-c', 'mkdir /tmp/x 2>&1; true']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /Permission denied/);
    const opts = await cli(['inspect', '-f', '{{json .HostConfig.SecurityOpt}}', 'denied']);
    t.regex(opts.stdout, /^\["seccomp=\{\\"defaultAction\\":\\"SCMP_ACT_ALLOW\\"/, 'the compacted JSON, as the CLI sent it');
  });

  test('docker run: unshare is refused by default, works with seccomp=unconfined plus SYS_ADMIN or with --cap-add sys_admin', async (t) => {
    const probe = ['busybox', 'unshare', '-U', '-r', 'id', '-u'];
    const refused = await cli(['run', '--rm', ...probe]);
    t.not(refused.code, 0);
    t.regex(refused.stderr + refused.stdout, /Operation not permitted/);
    for (const flags of [['--cap-add', 'sys_admin'], ['--cap-add', 'CAP_SYS_ADMIN'], ['--security-opt', 'seccomp=unconfined', '--cap-add', 'SYS_ADMIN']]) {
      const r = await cli(['run', '--rm', ...flags, ...probe]);
      t.is(r.code, 0, `${flags.join(' ')}: ${r.stderr}`);
      t.is(r.stdout.trim(), '0');
    }
  });

  test('docker run --security-opt no-new-privileges[=false]', async (t) => {
    const nnp = ['busybox', 'sh', '-c', 'grep ^NoNewPrivs: /proc/self/status | cut -f2'];
    t.is((await cli(['run', '--rm', ...nnp])).stdout.trim(), '1', 'on by default here (Docker: off)');
    t.is((await cli(['run', '--rm', '--security-opt', 'no-new-privileges', ...nnp])).stdout.trim(), '1');
    t.is((await cli(['run', '--rm', '--security-opt', 'no-new-privileges=false', ...nnp])).stdout.trim(), '0');
  });

  test('a bad --security-opt or capability is refused with the engine\'s message', async (t) => {
    const bad = await cli(['run', '--rm', '--security-opt', 'bogus=1', 'busybox', 'true']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /invalid --security-opt: "bogus=1"/);
    const cap = await cli(['run', '--rm', '--cap-add', 'NOPE', 'busybox', 'true']);
    t.not(cap.code, 0);
    t.regex(cap.stderr, /invalid CapAdd: unknown capability: "CAP_NOPE"/);
    const missing = await cli(['run', '--rm', '--security-opt', `seccomp=${path.join(dir, 'missing.json')}`, 'busybox', 'true']);
    t.not(missing.code, 0);
    t.regex(missing.stderr, /opening seccomp profile .* failed/, 'the CLI itself reads the file');
  });
});
