/**
 * Size budgets per entry, measured by scripts/size.mjs on the installed tarball (min+gz, whole entry
 * and primary import, lazy chunks apart) against scripts/size-budget.json. The table is printed on
 * every run, so CI logs show each entry's size.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createFixture, type Fixture, installedPackage, repo, run } from './helpers'

interface Row {
  entry: string
  measure: 'whole' | 'primary'
  min: number
  gzip: number
  lazy: { min: number; gzip: number; chunks: number }
  budget: number | null
  ok: boolean
  error?: string
}
interface Report {
  rows: Row[]
  unknownBudgets: string[]
  ok: boolean
  table: string
}

async function sizes(packageDir: string, budget = join(repo, 'scripts/size-budget.json')): Promise<Report> {
  const args = ['scripts/size.mjs', '--json', '--package', packageDir, '--budget', budget]
  const { stdout } = await run(process.execPath, args, { cwd: repo, allowFailure: true })
  return JSON.parse(stdout) as Report
}

describe('size budgets (min+gz)', () => {
  let fixture: Fixture
  let report: Report
  beforeAll(async () => {
    fixture = await createFixture('size', inject('tarball'))
    report = await sizes(installedPackage(fixture))
    console.log(`Sizes of the packed tarball's entries:\n${report.table}`)
  })
  afterAll(() => fixture?.remove())

  it('measures every entry, whole and by its primary import', () => {
    expect(report.rows.filter((row) => row.error)).toEqual([])
    expect(report.rows.length).toBeGreaterThanOrEqual(14)
  })

  it('every budget names a measured row', () => {
    expect(report.unknownBudgets).toEqual([])
  })

  it('every entry is within its budget', () => {
    const over = report.rows
      .filter((row) => !row.ok)
      .map((row) => `${row.entry} ${row.measure}: ${row.gzip} > ${row.budget}`)
    expect(over, report.table).toEqual([])
  })
})

describe('scripts/size.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'use-next-sse-size-fake-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('counts the entry chunk and its static imports, and lists lazily imported chunks apart', async () => {
    // A stand-in package: /server imports a shared module statically and a big Node-only one lazily.
    const pkg = join(dir, 'package')
    mkdirSync(pkg)
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'use-next-sse', type: 'module', exports: { './server': './server.js' } }),
      'server.js': `import { shared } from './shared.js'\nexport const createSSEHandler = (x) => shared(x) ?? import('./node.js')\n`,
      'shared.js': 'export const shared = (x) => x\n',
      'node.js': `export const big = ${JSON.stringify('node-only '.repeat(2000))}.split(' ')\n`,
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(join(pkg, name), text)
    const budget = join(dir, 'budget.json')
    writeFileSync(
      budget,
      JSON.stringify({ 'use-next-sse/server': { primary: 10 }, 'use-next-sse/nothing': { whole: 1 } }),
    )

    const report = await sizes(pkg, budget)
    const row = report.rows.find((r) => r.entry === 'use-next-sse/server' && r.measure === 'primary')!
    expect(row.min).toBeLessThan(300)
    expect(row.lazy.chunks).toBe(1)
    expect(row.lazy.min).toBeGreaterThan(20_000)
    // Over its 10-byte budget, and a budget for an entry that does not exist: both fail the run.
    expect(row.ok).toBe(false)
    expect(report.unknownBudgets).toEqual(['use-next-sse/nothing whole'])
    expect(report.ok).toBe(false)
    expect(report.table).toMatch(/use-next-sse\/server\s+primary\s+createSSEHandler.*OVER BUDGET/)
  })
})
