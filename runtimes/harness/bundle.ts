/**
 * One ES module file from a TypeScript entry, for runtimes that run a file themselves (`bun`, `deno`):
 * esbuild resolves `use-next-sse/server` to the built dist/ (the package's own exports), as a dependent
 * project would (or to the packed tarball installed in a fixture, given `packageFrom`), so every runtime
 * runs the same bundled code, with no TypeScript or npm resolution of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

export interface Bundled {
  /** The bundle's path, in a fresh temporary directory (a good `cwd`: no package.json or deno.json around it). */
  file: string
  dir: string
  /** Deletes the directory. */
  remove(): void
}

export interface BundleOptions {
  /**
   * Replaces global identifiers with the given code (esbuild's `define`): data inlined at bundle time,
   * so the runtime reads no file.
   */
  define?: Record<string, string>
  /**
   * A folder whose node_modules `use-next-sse` is resolved from (a fixture with the packed tarball
   * installed), instead of the repository's own dist/.
   */
  packageFrom?: string
}

/** Marks the resolution {@link fromInstalled} asks esbuild for, so that it does not answer itself. */
const AGAIN = Symbol('resolve again')

/** Resolves `use-next-sse` and its subpaths as a module of `dir` would, with esbuild's own resolver. */
function fromInstalled(dir: string): Plugin {
  return {
    name: 'use-next-sse-installed',
    setup(build) {
      build.onResolve({ filter: /^use-next-sse(\/|$)/ }, async (args) => {
        if (args.pluginData === AGAIN) return undefined
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: AGAIN })
        return found.errors.length > 0 ? { errors: found.errors } : { path: found.path }
      })
    },
  }
}

/**
 * Bundles `entry` (a `file:` URL) into a temporary directory.
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
  options: BundleOptions = {},
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
      define: options.define ?? {},
      plugins: options.packageFrom ? [fromInstalled(options.packageFrom)] : [],
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
