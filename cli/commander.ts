/**
 * commander, the CLI's argument parser, loaded with `require`: every tspaas
 * start loads it, and node 20 imports a CommonJS package through ESM several
 * milliseconds slower (its ESM wrapper, the scan for export names) than it
 * requires it. Import commander's values from here; its types from
 * 'commander' (`import type`) or from here.
 */
import { createRequire } from 'node:module';
import type * as Commander from 'commander';

const commander = createRequire(import.meta.url)('commander') as typeof Commander;

export const Command = commander.Command;
export type Command = Commander.Command;
export const CommanderError = commander.CommanderError;
export type CommanderError = Commander.CommanderError;
export const Help = commander.Help;
export type Help = Commander.Help;
export const Option = commander.Option;
export type Option = Commander.Option;
