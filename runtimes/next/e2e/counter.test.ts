/**
 * The counter page: the README's basic counter route on the Node.js runtime (/api/sse) and the Edge
 * runtime (/api/sse/edge), side by side. Each route module also answers POST with what its server side
 * saw (connections opened and open, cleanups after the tenth event, cleanups before it), which is how
 * these tests watch the cleanup run.
 */
import { describe, expect, inject, test } from 'vitest'
import { browserForFile, PAGE_DEADLINE, text, waitForText } from '../../harness/browser'
import { poll } from '../../harness/poll'

interface Stats {
  opened: number
  open: number
  completed: number
  disconnected: number
}

const base = inject('nextUrl')
const routes = { node: '/api/sse', edge: '/api/sse/edge' } as const
type Runtime = keyof typeof routes

async function stats(runtime: Runtime): Promise<Stats> {
  const response = await fetch(`${base}${routes[runtime]}`, { method: 'POST' })
  return (await response.json()) as Stats
}

const browser = browserForFile()

describe('counter', { timeout: 90_000 }, () => {
  test('both counters count to ten and then show a graceful close, no error', async () => {
    const before = { node: await stats('node'), edge: await stats('edge') }
    const { page, problems } = await browser.open(`${base}/counter`)
    try {
      for (const runtime of ['node', 'edge'] as const) {
        const card = `[data-testid=counter-${runtime}]`
        await waitForText(page, `${card} [data-testid=count]`, (t) => /^Count: \d$/.test(t), `${runtime}: a count`)
        await waitForText(page, `${card} [data-testid=received]`, (t) => t === '10', `${runtime}: ten events`)
        await page.locator(`${card} [data-testid=closed-gracefully]`).waitFor()
        expect(await text(page, `${card} [data-testid=count]`)).toBe('Count: 9')
        expect(await page.getAttribute(`${card} [data-testid=connection-state]`, 'data-state')).toBe('closed')
        // Closed with no error: the badge says closed, not error, and no error text is shown.
        expect(await text(page, `${card} [data-testid=connection-state]`)).toBe('closed')
        expect(await page.locator(`${card} .alert-error`).count()).toBe(0)
      }
      await browser.screenshot(page, 'counter')
      // The server closed each stream after its tenth event, and the cleanup ran once for each.
      for (const runtime of ['node', 'edge'] as const) {
        const after = await poll(
          () => stats(runtime),
          (s) => s.completed > before[runtime].completed,
          `${runtime}: the cleanup after close()`,
          PAGE_DEADLINE,
        )
        expect(after.completed - before[runtime].completed).toBe(1)
        expect(after.disconnected).toBe(before[runtime].disconnected)
        expect(after.opened - before[runtime].opened).toBe(1)
      }
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('closing the page mid-count runs the cleanup of the node and the edge route', async () => {
    const before = { node: await stats('node'), edge: await stats('edge') }
    const { page, problems } = await browser.open(`${base}/counter`)
    try {
      for (const runtime of ['node', 'edge'] as const) {
        await waitForText(
          page,
          `[data-testid=counter-${runtime}] [data-testid=count]`,
          (t) => /^Count: \d$/.test(t),
          `${runtime}: a count`,
        )
      }
      for (const runtime of ['node', 'edge'] as const) {
        const now = await stats(runtime)
        expect(now.open - before[runtime].open).toBe(1)
      }
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
    // The streams were cut before their tenth event: the cleanup counts a disconnect, not a completion.
    for (const runtime of ['node', 'edge'] as const) {
      const after = await poll(
        () => stats(runtime),
        (s) => s.disconnected > before[runtime].disconnected,
        `${runtime}: the cleanup after the page closed`,
        PAGE_DEADLINE,
      )
      expect(after.disconnected - before[runtime].disconnected).toBe(1)
      expect(after.completed).toBe(before[runtime].completed)
      expect(after.open).toBe(before[runtime].open)
    }
  })
})
