/**
 * Types of scripts/system.mjs, which stays plain JavaScript so that `.ci/run` can run it before `npm ci`.
 * Each symbol is documented, with its example, in that file.
 */
import type { Reporter } from 'vitest/node'

export interface SystemProgram {
  /** What the messages call it, and a value of SSE_SKIP_SYSTEM. */
  name: string
  /** What the tests use it for. */
  why: string
  /** The test files that need it, relative to the repository (vitest globs). */
  suites: string[]
  /** Executable names looked for, in this order. */
  commands: string[]
  /** Absolute paths looked at after the search path (application bundles). */
  paths?: string[]
  /** An environment variable naming the executable, used before anything else. */
  variable?: string
  /** The package that provides it, per package manager. */
  packages: { apt: string; brew?: string }
  /** What else to say about installing it. */
  hint?: string
}

export interface SystemStatus {
  program: SystemProgram
  /** Where it was found. */
  path?: string
  /** Why it was not. */
  problem?: string
  /** Missing, and opted out by SSE_SKIP_SYSTEM. */
  skipped: boolean
}

export const REPO: string
export const SKIP_VARIABLE: 'SSE_SKIP_SYSTEM'
export const SEARCH_VARIABLE: 'SSE_SYSTEM_PATH'
export const PROGRAMS: SystemProgram[]
export function program(name: string): SystemProgram
export function findProgram(name: string, env?: NodeJS.ProcessEnv): string | undefined
export function findChromium(env?: NodeJS.ProcessEnv): string | undefined
export function locate(name: string, env?: NodeJS.ProcessEnv): string
export function optedOut(env?: NodeJS.ProcessEnv, programs?: SystemProgram[]): 'all' | Set<string>
export function status(env?: NodeJS.ProcessEnv): SystemStatus[]
export function main(
  args: string[],
  io?: { env?: NodeJS.ProcessEnv; out?: (line: string) => void; err?: (line: string) => void },
): number
export function systemReporter(options?: {
  env?: NodeJS.ProcessEnv
  programs?: SystemProgram[]
  root?: string
}): Reporter
