/**
 * The step contract. A step *plans*: from its instruction and the stage so
 * far it computes what identifies its result (the history line plus extra
 * cache material such as source checksums), the config of the image it will
 * make, and — for steps that change files — how to make the layer. The
 * builder (builder.ts) then looks the plan up in the cache and only calls
 * `layer` on a miss.
 */
import type { ContainerConfig, Image, Layer } from '../../images/types.js';
import type { Instruction } from '../dockerfile/index.js';
import type { Build, StageState } from '../state.js';

export interface Plan {
  /** The history entry's `created_by` (also part of the cache key). */
  createdBy: string;
  /** More cache material: checksums of sources, ownership flags… */
  cacheExtra?: string[];
  /** The runnable config of the step's image. */
  config: ContainerConfig;
  /** MAINTAINER: the image's author. */
  author?: string;
  /** Make the step's layer on top of `parent`; resolves to null when nothing changed on disk after all. */
  layer?: (parent: Image) => Promise<Layer | null>;
}

export type Step = (ins: Instruction, s: StageState, b: Build) => Promise<Plan>;

/** Docker's rendering of a string list in history lines: `["a" "b"]`. */
export function goList(list: string[]): string {
  return `[${list.map((x) => JSON.stringify(x)).join(' ')}]`;
}
