/**
 * Issue 17, audit: tspaasd's --audit-retention (days rows are kept) and
 * --trusted-proxy (whose X-Forwarded-For names the client), flags over the
 * environment over the defaults, bad values refused by name.
 */
import test from 'ava';
import { parseDaemonArgs } from '../../platform/config.js';

const platform = (argv: string[], env: Record<string, string> = {}) => {
  const cmd = parseDaemonArgs(argv, env, '1.2.3');
  if (cmd.kind !== 'run') throw new Error(`expected run, got ${cmd.kind}`);
  return cmd.config.platform;
};

test('--audit-retention: days, 90 by default, TSPAAS_AUDIT_RETENTION otherwise; at least 1', (t) => {
  t.is(platform([]).auditRetentionDays, 90);
  t.is(platform(['--audit-retention', '30']).auditRetentionDays, 30);
  t.is(platform([], { TSPAAS_AUDIT_RETENTION: '365' }).auditRetentionDays, 365);
  t.is(platform(['--audit-retention', '7'], { TSPAAS_AUDIT_RETENTION: '365' }).auditRetentionDays, 7);
  for (const bad of ['0', '-1', '30d', 'forever']) t.throws(() => platform([`--audit-retention=${bad}`]), { message: /invalid --audit-retention/ }, bad);
});

test('--trusted-proxy: IPs and CIDRs, repeatable, TSPAAS_TRUSTED_PROXIES otherwise; none by default', (t) => {
  t.deepEqual(platform([]).trustedProxies, []);
  t.deepEqual(platform(['--trusted-proxy', '10.0.0.5', '--trusted-proxy=192.168.0.0/16', '--trusted-proxy', 'fd00::/8']).trustedProxies,
    ['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
  t.deepEqual(platform([], { TSPAAS_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/24' }).trustedProxies, ['10.0.0.5', '10.1.0.0/24']);
  t.deepEqual(platform(['--trusted-proxy', '10.9.9.9'], { TSPAAS_TRUSTED_PROXIES: '10.0.0.5' }).trustedProxies, ['10.9.9.9']);
  for (const bad of ['proxy.lan', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '']) {
    t.throws(() => platform([`--trusted-proxy=${bad}`]), { message: /invalid --trusted-proxy/ }, bad);
  }
});
