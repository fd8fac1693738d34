/*
 * The stress suite (`npm run stress`, not part of `npm test`): hostile and unlucky clients against
 * `createServer(toNodeHandler(createSSEHandler(...)))` over real TCP on loopback, one probe per file,
 * each in its own `node --expose-gc` process with its own server process. Prints every probe's figures
 * and its checks (PASS / FAIL against the outcome the library promises: a cleanup for every callback,
 * bounded memory, no loss), then a summary; exits 1 when a check failed or a probe did not finish.
 *
 *   node bench/stress/run.mjs                  full sizes (about 2 minutes here)
 *   node bench/stress/run.mjs --quick          small sizes (about 1.5 minutes: the rooms probe waits 31 s for a sweep)
 *   node bench/stress/run.mjs --only=storm,idle   a subset (file names without .mjs)
 *   node bench/stress/run.mjs --out=FILE       also write the report to FILE
 *   node bench/stress/run.mjs --timeout=S      kill a probe after S seconds (default 600, quick 180)
 *
 * Sizes: --storm=N (sockets per way), --pipeline=N (sockets), --idle=N, --slow=N (paused readers),
 * --burst=MB, --reconnect=N (clients), --reconnect-seconds=S, --rooms=N, --redis-clients=N, --stall=S.
 *
 * Probes import the built package (`use-next-sse/*` resolve to dist/): `npm run stress` builds first.
 * As bench/run.mjs does, the run uses a snapshot (package.json, dist/, bench/stress/, the Redis harness)
 * so that a build started meanwhile cannot mix two versions into one report; `--no-snapshot` runs in place.
 */
import { spawn } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { git, snapshot } from '../lib.mjs'
import { QUICK, ROOT } from './lib.mjs'

const PROBES = ['storm', 'pipelining', 'idle', 'slow', 'burst', 'reconnect', 'rooms', 'redis-stall']
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const only = arg('only')?.split(',') ?? PROBES
const unknown = only.filter((p) => !PROBES.includes(p))
if (unknown.length > 0) {
  console.error(`Unknown probe(s): ${unknown.join(', ')}. Probes: ${PROBES.join(', ')}.`)
  process.exit(2)
}
const timeout = Number(arg('timeout') ?? (QUICK ? 180 : 600)) * 1000
const passed = process.argv.slice(2).filter((a) => !/^--(only|out|timeout)=/.test(a) && a !== '--no-snapshot')

if (!existsSync(`${ROOT}dist/node.js`)) {
  console.error('dist/ is missing: run `npm run build` first (`npm run stress` does).')
  process.exit(1)
}

/** Runs one probe; resolves with its section, or a section saying why there is none. */
function runProbe(root, name) {
  return new Promise((resolve) => {
    const begin = performance.now()
    const child = spawn(process.execPath, ['--expose-gc', `${root}bench/stress/${name}.mjs`, ...passed], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (data) => {
      out += data
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeout)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const seconds = (performance.now() - begin) / 1000
      const last = out.trim().split('\n').pop()
      let section
      try {
        section = JSON.parse(last)
      } catch {
        section = undefined
      }
      if (section && code === 0) resolve({ ...section, seconds })
      else
        resolve({
          id: name,
          title: name,
          seconds,
          error: timedOut ? `did not finish within ${timeout / 1000} s` : `exited with ${code ?? signal}`,
        })
    })
  })
}

const table = (columns, rows) =>
  [
    `| ${columns.join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n')

const verdict = (pass) => (pass === true ? 'PASS' : pass === false ? 'FAIL' : 'INFO')
const outcome = (s) =>
  s.error ? 'ERROR' : s.skipped ? 'SKIP' : s.checks.some((c) => c.pass === false) ? 'FAIL' : 'PASS'

const started = new Date()
const root = process.argv.includes('--no-snapshot')
  ? ROOT
  : snapshot('use-next-sse-stress-', ['bench/stress', 'runtimes/harness', 'scripts/system.mjs'])
const startLoad = loadavg()
const sections = []
try {
  for (const name of only) {
    process.stderr.write(`bench/stress/${name}.mjs\n`)
    const section = await runProbe(root, name)
    process.stderr.write(`  -> ${outcome(section)} in ${section.seconds.toFixed(0)} s\n`)
    sections.push(section)
  }
} finally {
  if (root !== ROOT) rmSync(root, { recursive: true, force: true })
}

const fmtLoad = (l) => l.map((v) => v.toFixed(2)).join(' / ')
const lines = [
  '# use-next-sse stress suite',
  '',
  `\`node bench/stress/run.mjs${QUICK ? ' --quick' : ''}${passed
    .filter((a) => a !== '--quick')
    .map((a) => ` ${a}`)
    .join(
      '',
    )}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; commit ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src').length > 0 ? ' + uncommitted src/ changes' : ''}; load average ${fmtLoad(startLoad)} at the start, ${fmtLoad(loadavg())} at the end.`,
  '',
]
for (const s of sections) {
  lines.push(`## ${s.title}: ${outcome(s)}`, '')
  if (s.error) {
    lines.push(
      `The probe ${s.error}. Run \`node --expose-gc bench/stress/${s.id}.mjs${QUICK ? ' --quick' : ''}\` to see why.`,
      '',
    )
    continue
  }
  if (s.skipped) {
    lines.push(`Skipped: ${s.skipped}`, '')
    continue
  }
  lines.push(...s.method.map((m) => `- ${m}`), `- Took ${s.seconds.toFixed(0)} s (bench/stress/${s.id}.mjs).`, '')
  for (const t of s.tables ?? []) lines.push(table(t.columns, t.rows))
  lines.push(
    table(
      ['check', 'expected', 'measured', 'result'],
      s.checks.map((c) => [c.check, c.expected, c.measured, verdict(c.pass)]),
    ),
  )
}
lines.push(
  '## Summary',
  '',
  table(
    ['probe', 'result', 'checks passed', 'seconds'],
    sections.map((s) => [
      s.id,
      outcome(s),
      s.checks
        ? `${s.checks.filter((c) => c.pass === true).length} / ${s.checks.filter((c) => c.pass !== undefined).length}`
        : '—',
      s.seconds.toFixed(0),
    ]),
  ),
)
const markdown = `${lines.join('\n').trimEnd()}\n`
process.stdout.write(markdown)
const out = arg('out')
if (out) writeFileSync(out, markdown)
process.exitCode = sections.some((s) => ['FAIL', 'ERROR'].includes(outcome(s))) ? 1 : 0
