/** Heroku's build output style: `-----> Step` and seven-space indented details. */

/** A step line. */
export const step = (text: string): string => `-----> ${text}`;

/** A detail line under a step. */
export const detail = (text: string): string => `       ${text}`;

/** 12.3M, as Heroku prints slug sizes. */
export function humanSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`;
  return `${(bytes / 1024 / 1024).toFixed(1)}M`;
}
