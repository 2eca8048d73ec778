/** Image references as the docker CLI sends them (repo + tag apart) and as messages show them. */

const ID_LIKE = /^(sha256:)?[0-9a-f]{4,64}$/;

/** Drop Docker Hub's implicit prefixes: "docker.io/library/busybox" → "busybox" (the docker CLI pulls by full name). */
export function withoutDefaultRegistry(ref: string): string {
  return ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(library\/)?/, '');
}

/** Docker's familiar form with the default tag: "busybox" → "busybox:latest"; IDs and digests unchanged. */
export function familiarRef(ref: string): string {
  let r = withoutDefaultRegistry(ref);
  if (ID_LIKE.test(r) && (r.startsWith('sha256:') || r.length === 64)) return r;
  if (r.includes('@')) return r;
  const lastSlash = r.lastIndexOf('/');
  if (!r.slice(lastSlash + 1).includes(':')) r = `${r}:latest`;
  return r;
}

/** Join the `repo` and `tag` query values of commit, tag, import and pull (Docker Hub prefixes dropped); undefined when there is no repo. */
export function joinRepoTag(fullRepo: string | null, tag: string | null): string | undefined {
  if (!fullRepo) return undefined;
  const repo = withoutDefaultRegistry(fullRepo);
  if (!tag) return repo;
  return tag.startsWith('sha256:') ? `${repo}@${tag}` : `${repo}:${tag}`;
}
