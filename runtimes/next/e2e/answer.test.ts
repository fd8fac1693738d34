/**
 * The answer demo, under `next start`, in Chromium: the hook POSTs a prompt, the route relays the fake
 * model's tokens as they arrive (on the Node.js and on the Edge runtime), and Stop aborts every hop. What
 * a person sees: the answer growing token by token, a partial answer and a `closed` badge without an
 * error after Stop, and the model saying it produced nothing after the stop.
 */
import { describe, expect, inject, test } from 'vitest'
import { browserForFile, text, waitForText } from '../../harness/browser'

const base = inject('nextUrl')
const browser = browserForFile()

describe('streaming an answer', { timeout: 90_000 }, () => {
  for (const runtime of ['node', 'edge'] as const) {
    test(`${runtime}: tokens appear one by one, and Stop ends every hop down to the model`, async () => {
      const { page, problems } = await browser.open(`${base}/answer`)
      try {
        await page.selectOption('[data-testid=runtime]', runtime)
        await page.fill('[data-testid=prompt]', `relay on ${runtime}`)
        await page.click('[data-testid=ask]')
        const answer = page.locator('[data-testid=answer]')
        await waitForText(
          page,
          '[data-testid=answer]',
          (t) => t.startsWith('You asked about "relay on'),
          'the first tokens',
        )
        // Incremental: the tokens arrived over time, not in one piece at the end.
        await page.waitForFunction(
          () => Number(document.querySelector('[data-testid=answer]')?.getAttribute('data-tokens')) >= 8,
        )
        const times = (await answer.getAttribute('data-times'))!.split(',').map(Number)
        expect(times.at(-1)! - times[0]!).toBeGreaterThan(0)
        expect(new Set(times).size).toBeGreaterThan(2)

        await page.click('[data-testid=stop]')
        const stats = page.locator('[data-testid=model-stats]')
        await stats.waitFor()
        await page.waitForFunction(
          () => document.querySelector('[data-testid=model-stats]')?.getAttribute('data-aborted') === 'true',
          undefined,
          { timeout: 30_000 },
        )
        expect(await stats.getAttribute('data-after-stop')).toBe('0')
        expect(await text(page, '[data-testid=connection-state]')).toBe('closed')
        expect(await page.locator('.alert-error').count()).toBe(0)
        // A partial answer: the model's answer is far longer than what arrived before the stop.
        const shown = Number(await answer.getAttribute('data-tokens'))
        expect(shown).toBeGreaterThanOrEqual(8)
        expect(await text(page, '[data-testid=answer]')).not.toContain('stay at zero.')
        await browser.screenshot(page, `answer-${runtime}`)
        expect(problems).toEqual([])
      } finally {
        await page.close()
      }
    })
  }
})
