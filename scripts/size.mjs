#!/usr/bin/env node
/**
 * The size of each entry point as a user's bundle pays for it: esbuild --bundle --minify (ESM, neutral
 * platform, react/react-dom/redis/cloudflare:workers external), then gzip -9. Two measures per entry:
 *
 * - `whole`: everything the entry exports (`export * from 'use-next-sse/server'`);
 * - `primary`: the entry's main import, tree-shaken (`export { createSSEHandler } from ...`).
 *
 * Bundled with code splitting, so a chunk the entry loads lazily (a dynamic `import()` of a Node-only
 * sibling) is not counted: a size is the entry chunk plus what it imports statically; lazy chunks are
 * listed on their own. Budgets (bytes, min+gz) come from scripts/size-budget.json.
 *
 * Usage: node scripts/size.mjs [--json] [--package <dir>] [--budget <file>]
 *   --package  the package folder to measure (default: this repository, through its own exports and
 *              the built dist/; the package tests pass the installed tarball)
 *   --json     print the rows as JSON (with the table as `table`) instead of the table
 * Exits with 1 when a budget is exceeded, a budget names no measured row, or an entry fails to build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

/** What is measured: each entry, with the conditions it is resolved under and its primary import. */
export const ENTRIES = [
  { entry: 'use-next-sse', primary: ['useSSE'], note: 'a client bundle' },
  { entry: 'use-next-sse', conditions: ['react-server'], primary: ['createSSEHandler'], note: 'route handlers' },
  { entry: 'use-next-sse/server', primary: ['createSSEHandler'] },
  { entry: 'use-next-sse/client', primary: ['createParser', 'EventSource'] },
  { entry: 'use-next-sse/react', primary: ['useSSE'] },
  { entry: 'use-next-sse/node', primary: ['toNodeHandler'] },
  { entry: 'use-next-sse/redis', primary: ['createRedisBackplane'] },
  { entry: 'use-next-sse/cloudflare', primary: ['ChannelObject', 'channelOf'], note: 'a Worker' },
]

/** `cloudflare:workers` is workerd's own module: a Worker's bundle never carries it. */
const EXTERNAL = ['react', 'react-dom', 'redis', 'cloudflare:workers']

/** The row's name in the table and the budget file: the entry, and its conditions if any. */
const labelOf = ({ entry, conditions = [] }) => (conditions.length ? `${entry} [${conditions.join(',')}]` : entry)

/** Resolves `use-next-sse` and its subpaths as the package at `dir` exports them (a self-reference there). */
function fromPackage(dir) {
  return {
    name: 'from-package',
    setup(b) {
      b.onResolve({ filter: /^use-next-sse(\/|$)/ }, (args) => {
        if (args.pluginData === 'from-package') return undefined
        return b.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: 'from-package' })
      })
    },
  }
}

const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 }).length

/**
 * Bundles `source` and measures the entry chunk plus its static imports, and separately the chunks
 * reached only through dynamic imports.
 */
async function measure(packageDir, source, conditions = []) {
  const dir = mkdtempSync(join(tmpdir(), 'use-next-sse-size-'))
  try {
    writeFileSync(join(dir, 'entry.js'), source)
    const result = await build({
      absWorkingDir: dir,
      entryPoints: ['entry.js'],
      outdir: 'out',
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions,
      external: EXTERNAL,
      plugins: [fromPackage(packageDir)],
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
    const outputs = result.metafile.outputs
    const text = new Map(result.outputFiles.map((file) => [file.path, file.text]))
    const textOf = (key) => text.get(join(dir, key)) ?? ''
    const [entryKey] = Object.entries(outputs).find(([, output]) => output.entryPoint === 'entry.js') ?? []
    if (!entryKey) throw new Error('esbuild produced no entry chunk')

    /** The chunks reachable from `start` through imports of the given kinds. */
    const closure = (start, kinds) => {
      const seen = new Set()
      const queue = [...start]
      while (queue.length) {
        const key = queue.pop()
        if (seen.has(key)) continue
        seen.add(key)
        for (const { path, kind, external } of outputs[key]?.imports ?? []) {
          if (!external && kinds.includes(kind)) queue.push(path)
        }
      }
      return seen
    }
    const eager = closure([entryKey], ['import-statement'])
    const everything = closure([entryKey], ['import-statement', 'dynamic-import'])
    const lazy = [...everything].filter((key) => !eager.has(key))
    const sum = (keys, size) => [...keys].reduce((total, key) => total + size(textOf(key)), 0)
    return {
      min: sum(eager, (t) => Buffer.byteLength(t)),
      gzip: sum(eager, gzip),
      chunks: eager.size,
      lazy: { min: sum(lazy, (t) => Buffer.byteLength(t)), gzip: sum(lazy, gzip), chunks: lazy.length },
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Measures every entry both ways and checks the budgets; never throws (failures become rows' errors). */
export async function measureAll({ packageDir, budgets = {} }) {
  const rows = []
  for (const spec of ENTRIES) {
    const label = labelOf(spec)
    const sources = {
      whole: `export * from '${spec.entry}'\n`,
      primary: `export { ${spec.primary.join(', ')} } from '${spec.entry}'\n`,
    }
    for (const [kind, source] of Object.entries(sources)) {
      const row = { entry: label, measure: kind, imports: kind === 'whole' ? '*' : spec.primary.join(', ') }
      row.budget = budgets[label]?.[kind] ?? null
      try {
        Object.assign(row, await measure(packageDir, source, spec.conditions))
        row.ok = row.budget === null || row.gzip <= row.budget
      } catch (error) {
        row.error = error.errors?.map((e) => e.text).join('; ') || String(error)
        row.ok = false
      }
      rows.push(row)
    }
  }
  const unknown = Object.entries(budgets)
    .filter(([key]) => !key.startsWith('$'))
    .flatMap(([label, kinds]) => Object.keys(kinds).map((kind) => `${label} ${kind}`))
    .filter((name) => !rows.some((row) => `${row.entry} ${row.measure}` === name))
  return { rows, unknownBudgets: unknown, ok: unknown.length === 0 && rows.every((row) => row.ok) }
}

/** The rows as a fixed-width table. */
export function formatTable({ rows, unknownBudgets }) {
  const header = ['entry', 'measure', 'imports', 'min', 'min+gz', 'lazy min+gz', 'budget', '']
  const lines = rows.map((row) => [
    row.entry,
    row.measure,
    row.imports,
    row.error ? 'error' : String(row.min),
    row.error ? '' : String(row.gzip),
    row.error || row.lazy.chunks === 0
      ? '-'
      : `${row.lazy.gzip} (${row.lazy.chunks} chunk${row.lazy.chunks > 1 ? 's' : ''})`,
    row.budget === null ? '-' : String(row.budget),
    row.error ? `FAILED: ${row.error}` : row.ok ? (row.budget === null ? '' : 'ok') : 'OVER BUDGET',
  ])
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((line) => line[i].length)))
  const numeric = new Set([3, 4, 5, 6])
  const format = (line) =>
    line
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const out = [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)]
  for (const name of unknownBudgets) out.push(`budget "${name}" matches no measured row`)
  out.push('Sizes in bytes: esbuild --minify (ESM, react/react-dom/redis/cloudflare:workers external), then gzip -9.')
  return out.join('\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repo = fileURLToPath(new URL('..', import.meta.url))
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      package: { type: 'string', default: repo },
      budget: { type: 'string', default: join(repo, 'scripts/size-budget.json') },
    },
  })
  const budgets = JSON.parse(readFileSync(values.budget, 'utf8'))
  const result = await measureAll({ packageDir: resolve(values.package), budgets })
  const table = formatTable(result)
  console.log(values.json ? JSON.stringify({ ...result, table }, null, 2) : table)
  process.exitCode = result.ok ? 0 : 1
}
