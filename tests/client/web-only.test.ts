import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * `use-next-sse/client` runs in browsers, workers and edge runtimes: Web APIs only. No `node:*`
 * import, no React (the hook lives in src/react, the only folder that imports it), and no reaching
 * into another folder's internals (tsup.config.ts only allows another entry's index).
 */
const dir = 'src/client'
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))

describe('src/client is Web-only', () => {
  it.each(files)('%s imports no node:* module, no react, and only ../core from outside', (file) => {
    const code = readFileSync(join(dir, file), 'utf8')
    // Statements only (a line starting with import, export or the `}` of a multi-line one), not examples.
    const imports = [...code.matchAll(/^(?:import|export|\})[^'"\n]*\bfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1])
    for (const source of imports) {
      expect(source).not.toMatch(/^node:|^react/)
      if (!source!.startsWith('./')) expect(source).toBe('../core')
    }
  })
})
