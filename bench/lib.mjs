/*
 * Shared helpers of the benchmark suite: timing, gc, interleaved rounds, statistics, child processes and
 * the JSON shape every benchmark prints for run.mjs to turn into bench/RESULTS.md.
 *
 * A benchmark file is a script: it measures, then prints one JSON `Section` on stdout (see `report()`).
 * run.mjs starts each one in its own `node --expose-gc` process, so one benchmark's heap and JIT state
 * never leak into the next.
 */
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const QUICK = process.argv.includes('--quick')
export const require = createRequire(`${ROOT}package.json`)

/** Full garbage collection, twice (the second pass collects what the first one's finalizers freed). */
export function gc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (node bench/run.mjs does)')
  globalThis.gc()
  globalThis.gc()
}

/** A macrotask boundary: every pending microtask (promise chain, stream pump) has run when it resolves. */
export const tick = () => new Promise((resolve) => setImmediate(resolve))

/** Reads a body to its end and returns the number of bytes. */
export async function drain(body) {
  const reader = body.getReader()
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return bytes
    bytes += value.byteLength
  }
}

/** Reads a body to its end and returns it as text (for the correctness checks, outside the timed runs). */
export async function text(body) {
  return new Response(body).text()
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Runs every candidate once per round, interleaved and rotated (A B C, B C A, C A B, ...), with a gc
 * before every run (unless `collect: false`), after `warmup` discarded rounds. A candidate is `{ name, run }` where `run()`
 * resolves with the number it measured (ms, or µs per event).
 *
 * Returns per candidate the raw values, the median, and the median of the per-round ratios against
 * `baseline` (baseline's value / candidate's value for times, so > 1 means faster than the baseline;
 * pass `ratio: 'candidate/baseline'` for sizes and times where lower is the goal).
 */
export async function rounds(candidates, { rounds: count, warmup = 1, baseline, ratio, collect = true } = {}) {
  const samples = new Map(candidates.map((c) => [c.name, []]))
  for (let r = -warmup; r < count; r++) {
    const order = candidates.map((_, i) => candidates[(i + Math.max(r, 0)) % candidates.length])
    const round = new Map()
    for (const candidate of order) {
      if (collect) gc()
      round.set(candidate.name, await candidate.run())
    }
    if (r >= 0) for (const [name, v] of round) samples.get(name).push(v)
  }
  const base = baseline === undefined ? undefined : samples.get(baseline)
  const out = {}
  for (const [name, values] of samples) {
    const ratios = base ? values.map((v, i) => (ratio === 'candidate/baseline' ? v / base[i] : base[i] / v)) : []
    out[name] = {
      values,
      median: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      ratio: base ? median(ratios) : undefined,
      ratios,
    }
  }
  return out
}

/** Times `fn` in ms. */
export async function time(fn) {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/**
 * Runs `node --expose-gc file args` and resolves with the JSON it prints last on stdout. Used for
 * memory measurements, where each candidate needs a fresh process.
 */
export function child(file, args = [], nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', ...nodeArgs, file, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.on('data', (data) => {
      out += data
    })
    proc.on('error', reject)
    proc.on('close', (code) => {
      const last = out.trim().split('\n').pop()
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited with ${code}`))
      else resolve(JSON.parse(last))
    })
  })
}

/** The version of an installed package (by its directory under node_modules). */
export function versionOf(name) {
  return JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version
}

/** The original `use-next-sse` (0.2.3): its ESM build does not resolve under Node, its exports map blocks subpaths. */
export function loadOriginal() {
  return require(`${ROOT}node_modules/use-next-sse-original/dist/cjs/server/sse-server.js`)
}

/**
 * Prints a benchmark's result for run.mjs. `section` is
 * `{ id, title, method, tables: [{ caption?, columns: [...], rows: [[...]] }], goals: [{ metric, goal, measured, met }], notes: [] }`.
 */
export function report(section) {
  process.stdout.write(`${JSON.stringify(section)}\n`)
}

// Formatting ---------------------------------------------------------------------------------------------

export const fmt = (n, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits))
export const ms = (n) => `${fmt(n, n < 10 ? 2 : 1)} ms`
export const x = (n) => (n === undefined ? '—' : `${fmt(n, 2)}×`)
export const range = (r, digits = 1) => `${fmt(r.min, digits)}–${fmt(r.max, digits)}`
export const mb = (bytes) => `${fmt(bytes / 1024 / 1024, 1)} MB`

/**
 * A copy of what a run measures (package.json, dist/, and `paths` of the repository), with the
 * repository's node_modules linked in: a rebuild or an edit during a long run cannot change what is
 * measured half-way. Markdown files (results) are left out. Returns the copy's folder, with a slash.
 */
export function snapshot(prefix, paths) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (const path of ['package.json', 'dist', ...paths]) {
    cpSync(`${ROOT}${path}`, join(dir, path), { recursive: true, filter: (src) => !src.endsWith('.md') })
  }
  symlinkSync(`${ROOT}node_modules`, join(dir, 'node_modules'), 'dir')
  return `${dir}/`
}

/** `git args…` in the repository, trimmed; '?' where git is missing or fails (a tarball, no .git). */
export function git(...args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return '?'
  }
}
