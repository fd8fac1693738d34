/**
 * Headless Debian Chromium through playwright-core, launched as ../shared/TOOLCHAIN.md says: a fresh
 * profile per launch, and the flags that keep it off the (closed) network. Pages are watched for console
 * errors and uncaught exceptions, which every test asserts are none.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { locate } from '../../scripts/system.mjs'
import { poll } from './poll'

const repo = fileURLToPath(new URL('../..', import.meta.url))

/** Where the screenshots go (gitignored, with the other test artifacts). */
export const SCREENSHOTS = join(repo, 'test-results/screenshots')

/** A generous bound for anything a page waits for: these machines have 2 cores and run several suites. */
export const PAGE_DEADLINE = 30_000

export interface WatchedPage {
  page: Page
  /** Console messages of type `error` and uncaught exceptions, as text. */
  problems: string[]
}

export interface Browser {
  context: BrowserContext
  /** Opens a page in this browser's one context (shared cookies and connection pool). */
  open(url?: string): Promise<WatchedPage>
  /** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>
  close(): Promise<void>
}

export interface LaunchOptions {
  /**
   * Chromium preferences the fresh profile starts with (its `Default/Preferences` file), for what no
   * flag sets: {@link ALLOW_THIRD_PARTY_COOKIES}.
   */
  preferences?: Record<string, unknown>
  /**
   * Accept any certificate: for a server whose self-signed certificate was made for the run (HTTP/2
   * needs TLS in browsers, and a fresh profile cannot be told to trust a CA). Defaults to false.
   */
  ignoreHTTPSErrors?: boolean
}

/**
 * A profile that sends cookies on cross-site requests. Debian's Chromium 156 blocks third-party cookies
 * in a fresh profile, for its native EventSource as for fetch: a cookie of 127.0.0.1 never leaves a page
 * on localhost. Many users' browsers still send them; this profile is one of those.
 */
export const ALLOW_THIRD_PARTY_COOKIES = { profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }

export async function launch(options: LaunchOptions = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sse-chromium-'))
  if (options.preferences) {
    mkdirSync(join(profile, 'Default'))
    writeFileSync(join(profile, 'Default/Preferences'), JSON.stringify(options.preferences))
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: locate('chromium'),
    headless: true,
    viewport: { width: 1280, height: 860 },
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  context.setDefaultTimeout(PAGE_DEADLINE)
  return {
    context,
    async open(url) {
      const page = await context.newPage()
      const problems: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console.error: ${message.text()}`)
      })
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
      if (url) await page.goto(url)
      return { page, problems }
    },
    async screenshot(page, name) {
      mkdirSync(SCREENSHOTS, { recursive: true })
      const path = join(SCREENSHOTS, `${name}.png`)
      await page.screenshot({ path, fullPage: true })
      return path
    },
    async close() {
      try {
        await context.close()
      } finally {
        rmSync(profile, { recursive: true, force: true })
      }
    },
  }
}

/** The text of the first element matching `selector`, trimmed. */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim()
}

/** Waits until `selector`'s text satisfies `check`, and resolves with that text. */
export function waitForText(page: Page, selector: string, check: (text: string) => boolean, what: string) {
  return poll(() => text(page, selector), check, `${what} (${selector})`, PAGE_DEADLINE)
}

/**
 * One Chromium for a test file: launched before its tests (then `setup` runs), closed after them. The
 * returned Browser delegates to it, so a file declares it once at the top.
 */
export function browserForFile(setup?: (browser: Browser) => Promise<void>, options?: LaunchOptions): Browser {
  let launched: Browser | undefined
  const current = (): Browser => {
    if (!launched) throw new Error('Chromium is launched in beforeAll: use the browser inside tests and hooks.')
    return launched
  }
  beforeAll(async () => {
    launched = await launch(options)
    await setup?.(launched)
  })
  afterAll(async () => {
    await launched?.close()
  })
  return {
    get context() {
      return current().context
    },
    open: (url) => current().open(url),
    screenshot: (page, name) => current().screenshot(page, name),
    close: () => current().close(),
  }
}
