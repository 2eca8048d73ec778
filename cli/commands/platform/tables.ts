/**
 * How platform data looks to humans: tables, key/value blocks and log lines.
 * Pure functions of the API's data (platform/api/types.ts); `--json` prints
 * that data unchanged instead.
 */
import type { AppInfo, Build, Certificate, Domain, FormationEntry, LogEntry, ProcessInfo, Release, User } from '../../../platform/api/types.js';
import { ellipsis, table, timeAgo } from '../../format.js';

/** 536870912 → "512M", 1073741824 → "1G" (the sizes `scale web=2:512M` takes). */
export function memory(bytes: number): string {
  const units: Array<[string, number]> = [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]];
  for (const [unit, size] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  for (const [unit, size] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)}${unit}`;
  return `${bytes}B`;
}

/** Aligned `key: value` lines, keys padded to the longest. */
export function keyValues(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n') + '\n';
}

/** `apps`: name, team, current release, URL. */
export function appsTable(apps: AppInfo[]): string {
  if (!apps.length) return 'No apps yet: create one with `tspaas apps:create NAME`\n';
  return table(['NAME', 'TEAM', 'RELEASE', 'URL'], apps.map((a) => [a.name, a.team, version(a.currentVersion), a.url]));
}

/** `apps:info`. */
export function appInfo(a: AppInfo): string {
  return keyValues([
    ['Name', a.name], ['Team', a.team], ['URL', a.url], ['Git URL', a.gitUrl], ['Release', version(a.currentVersion)],
    ['Formation', a.formation.length ? formationWords(a.formation) : '(none)'], ['Domains', a.domains.join(', ') || '(none)'],
    ['Created', a.createdAt],
  ]);
}

/** `web=2:basic/512M worker=1:standard-1x/1G` (plan, then the memory it runs with). */
export function formationWords(f: FormationEntry[]): string {
  return f.map((e) => `${e.type}=${e.quantity}:${e.plan}/${memory(e.memoryBytes)}`).join(' ');
}

/** `scale` without arguments. */
export function formationTable(f: FormationEntry[]): string {
  if (!f.length) return 'No process types yet: push the app first\n';
  return table(['TYPE', 'QUANTITY', 'PLAN', 'MEMORY'], f.map((e) => [e.type, String(e.quantity), e.plan, memory(e.memoryBytes)]));
}

/** `ps`: one line per process, grouped by type as the API orders them. */
export function psTable(ps: ProcessInfo[], now = Date.now()): string {
  if (!ps.length) return 'No processes are running\n';
  return table(['NAME', 'STATE', 'UPTIME', 'RELEASE', 'SIZE', 'ADDRESS', 'RESTARTS', 'COMMAND'], ps.map((p) => [
    p.name, p.state, p.state === 'up' ? timeAgo(p.startedAt, now).replace(/ ago$/, '') : '-', `v${p.releaseVersion}`,
    [p.plan, p.memoryBytes === null ? null : memory(p.memoryBytes)].filter(Boolean).join('/') || '-',
    p.address ? `${p.address}${p.port ? `:${p.port}` : ''}` : '-', String(p.restarts), ellipsis(p.command, 40),
  ]));
}

/** `releases`: newest first, with the failed builds (no version; their reason as the description) in time order. */
export function releasesTable(releases: Release[], failedBuilds: Build[] = [], now = Date.now()): string {
  if (!releases.length && !failedBuilds.length) return 'No releases yet: push with `git push tspaas main`\n';
  const rows = [
    ...releases.map((r) => ({ at: r.createdAt, row: [`v${r.version}`, r.status, ellipsis(r.description, 48), r.userEmail ?? '-', timeAgo(r.createdAt, now)] })),
    ...failedBuilds.map((b) => ({ at: b.createdAt, row: ['-', 'build failed', `Build ${b.id.slice(0, 8)} of ${b.source.slice(0, 7)}: ${firstLine(b.error)}`, '-', timeAgo(b.createdAt, now)] })),
  ];
  rows.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return table(['VERSION', 'STATUS', 'DESCRIPTION', 'BY', 'WHEN'], rows.map((r) => r.row));
}

function firstLine(text: string | null): string {
  return (text ?? 'no reason recorded').split('\n')[0]!;
}

/** `releases:info vN`. */
export function releaseInfo(r: Release): string {
  const rows: Array<[string, string]> = [
    ['Version', `v${r.version}`], ['Status', r.status], ['Description', r.description], ['By', r.userEmail ?? '-'],
    ['Image', r.image ?? '(none)'], ['Created', r.createdAt], ['Finished', r.finishedAt ?? '-'],
    ['Processes', Object.entries(r.processTypes).map(([t, c]) => `${t}: ${c}`).join('; ') || '(none)'],
    ['Config', Object.keys(r.config).sort().join(', ') || '(none)'],
  ];
  if (r.error) rows.push(['Error', r.error]);
  return keyValues(rows);
}

/** `config`: `NAME: value` lines, names sorted. */
export function configLines(config: Record<string, string>): string {
  const names = Object.keys(config).sort();
  return names.length ? keyValues(names.map((n) => [n, config[n]!])) : 'No config vars set\n';
}

/** `domains`. */
export function domainsTable(domains: Domain[]): string {
  if (!domains.length) return 'No domains\n';
  return table(['HOSTNAME', 'CERTIFICATE', 'ADDED'], domains.map((d) => [d.hostname, d.certificate ?? '-', d.createdAt]));
}

/** `certs`. */
export function certsTable(certs: Certificate[]): string {
  if (!certs.length) return 'No certificates\n';
  return table(['NAME', 'HOSTNAMES', 'EXPIRES'], certs.map((c) => [c.name, c.hostnames.join(', '), c.expiresAt]));
}

/** `builds`: newest first as the API lists them. */
export function buildsTable(builds: Build[], now = Date.now()): string {
  if (!builds.length) return 'No builds yet\n';
  return table(['ID', 'STATUS', 'SOURCE', 'BUILDER', 'STARTED', 'REASON'], builds.map((b) => [
    b.id, b.status, b.source.slice(0, 7), b.builder ?? '-', timeAgo(b.createdAt, now), b.status === 'failed' ? firstLine(b.error) : '',
  ]));
}

/** `whoami`. */
export function userLine(u: User, url: string): string {
  return `${u.email}${u.isAdmin ? ' (admin)' : ''} at ${url}; teams: ${u.teams.join(', ') || '(none)'}`;
}

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

/** `2026-11-23T10:00:00.123Z web.1: text`, the source in a colour of its own when `colour`. */
export function logLine(e: LogEntry, colour: boolean): string {
  const prefix = `${e.time} ${e.source}:`;
  if (!colour) return `${prefix} ${e.line}`;
  let h = 0;
  for (const ch of e.source) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const c = e.source === 'deploy' || e.source === 'build' ? 90 : COLOURS[h % COLOURS.length]!;
  return `\x1b[${c}m${prefix}\x1b[0m ${e.line}`;
}

function version(v: number | null): string {
  return v === null ? '(not deployed)' : `v${v}`;
}
