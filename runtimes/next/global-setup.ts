/**
 * Builds the Next app (`next build`, skipped when the build is newer than everything it is made of;
 * CI starts clean) and serves it with `next start` on a free loopback port for the whole project.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { startGuarded, startOnFreePorts, waitForHttp } from '../harness/process'

declare module 'vitest' {
  export interface ProvidedContext {
    nextUrl: string
  }
}

const app = fileURLToPath(new URL('.', import.meta.url))
const repo = join(app, '../..')
const next = join(repo, 'node_modules/.bin/next')
const options = { cwd: app, env: { NEXT_TELEMETRY_DISABLED: '1' } }

function newest(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

function isFresh(): boolean {
  const built = newest(join(app, '.next/BUILD_ID'))
  const inputs = ['app', 'next.config.ts', 'tsconfig.json'].map((p) => join(app, p))
  inputs.push(join(repo, 'dist'), join(repo, 'package.json'), join(repo, 'runtimes/contract'))
  return built > 0 && inputs.every((input) => newest(input) < built)
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(repo, 'dist/server.js'))) throw new Error('dist/ is missing: run `npm run build` first.')
  if (!isFresh()) {
    const build = startGuarded(next, ['build'], options)
    await build.exited.finally(build.kill)
  }
  const { server, url } = await startOnFreePorts(next, {
    ...options,
    args: ([port]) => ['start', '--port', String(port), '--hostname', '127.0.0.1'],
    ready: (server, url) => waitForHttp(`${url}/api/contract/node/log?id=ready`, server),
  })
  project.provide('nextUrl', url)
  return () => server.kill()
}
