/**
 * One ES module file from a TypeScript entry, for runtimes that run a file themselves (`bun`, `deno`):
 * esbuild resolves `use-next-sse/server` to the built dist/ (the package's own exports), as a dependent
 * project would, so every runtime runs the same bundled code, with no TypeScript or npm resolution of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export interface Bundled {
  /** The bundle's path, in a fresh temporary directory (a good `cwd`: no package.json or deno.json around it). */
  file: string
  dir: string
  /** Deletes the directory. */
  remove(): void
}

/**
 * Bundles `entry` (a `file:` URL) into a temporary directory. `define` replaces global identifiers with
 * the given code (esbuild's `define`): data inlined at bundle time, so the runtime reads no file.
 *
 * @example
 * ```ts
 * const bundle = await bundleToFile(new URL('./server.ts', import.meta.url), ['bun'])
 * startGuarded(bun, [bundle.file, String(port)], { cwd: bundle.dir })
 * ```
 */
export async function bundleToFile(
  entry: URL,
  conditions: string[] = [],
  define: Record<string, string> = {},
): Promise<Bundled> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-bundle-'))
  const file = join(dir, 'server.js')
  try {
    await build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      // The runtime's own export conditions first (h3 ships a Bun entry, for one).
      conditions,
      define,
      target: 'es2022',
      outfile: file,
      logLevel: 'silent',
    })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return { file, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
