/** Every step by instruction name (FROM is the builder's own). */
import { copy } from './copy.js';
import { metadataSteps } from './metadata.js';
import { run } from './run.js';
import type { Step } from './step.js';
import { workdir } from './workdir.js';

export const STEPS: Record<string, Step> = { ...metadataSteps, RUN: run, COPY: copy, ADD: copy, WORKDIR: workdir };
export type { Plan, Step } from './step.js';
