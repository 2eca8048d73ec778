/**
 * Containers outlive tspaasd: after `kill -9` of the daemon and a new start,
 * running containers still run, one that exited meanwhile shows its exit
 * code, and logs still work.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemon } from '../helpers/daemon.js';

test('kill -9 of tspaasd loses no container: running ones run, exits are recorded, logs work', async (t) => {
  const d = await startDaemon();
  t.teardown(() => d.cleanup());
  const { docker } = d;
  await new Promise((resolve, reject) => docker.pull('busybox:latest', (err: Error | null, s: NodeJS.ReadableStream) => (err ? reject(err) : docker.modem.followProgress(s, resolve))));
  const long = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo started; sleep 600'], name: 'long' });
  const short = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo bye; sleep 2; exit 9'], name: 'short' });
  await long.start();
  await short.start();
  await d.killHard();
  await sleep(3000);
  await d.restart();
  const longInfo = await docker.getContainer('long').inspect();
  t.true(longInfo.State.Running);
  t.is(longInfo.State.Pid > 0, true);
  const shortInfo = await docker.getContainer('short').inspect();
  t.is(shortInfo.State.Status, 'exited');
  t.is(shortInfo.State.ExitCode, 9);
  const logs = (await docker.getContainer('short').logs({ stdout: true, stderr: true })) as Buffer;
  t.regex(logs.toString(), /bye/);
  const longLogs = (await docker.getContainer('long').logs({ stdout: true })) as Buffer;
  t.regex(longLogs.toString(), /started/);
  await docker.getContainer('long').stop({ t: 1 });
  t.is((await docker.getContainer('long').inspect()).State.Status, 'exited');
});
