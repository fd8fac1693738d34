/**
 * The browser's own EventSource is the reference: on the compare page it and use-next-sse's EventSource
 * read the same streams (one through createSSEHandler, one of hand-written bytes split at awkward places)
 * and must dispatch exactly the same events, with the same data and lastEventId, up to the end.
 */
import { describe, expect, inject, test } from 'vitest'
import { browserForFile } from '../../harness/browser'
import type { Comparison } from '../app/_components/compare'

const base = inject('nextUrl')

const browser = browserForFile()

describe('native EventSource vs ours', { timeout: 60_000 }, () => {
  test('dispatch exactly the same events, for both streams', async () => {
    const { page, problems } = await browser.open(`${base}/compare`)
    try {
      await page.waitForFunction(() => window.__compare?.handler && window.__compare?.raw)
      const results = (await page.evaluate(() => window.__compare)) as Record<'handler' | 'raw', Comparison>
      // The sequences are fixed (app/api/compare/route.ts): open, the events, then the end of the stream.
      const lengths = { handler: 15, raw: 20 }
      for (const source of ['handler', 'raw'] as const) {
        const { native, ours, timedOut } = results[source]
        expect(timedOut, source).toBe(false)
        expect(ours, source).toEqual(native)
        expect(native.length, source).toBe(lengths[source])
        expect(native[0]).toEqual({ type: 'open' })
        expect(native.at(-1)).toEqual({ type: 'error', readyState: 0 })
        await page.locator(`[data-testid=compare-${source}] [data-testid=summary]`).getByText('identical').waitFor()
      }
      // A few of the tricky ones, as the reference dispatched them.
      expect(results.raw.native).toContainEqual({ type: 'message', data: 'crlf line 1\ncrlf line 2', lastEventId: '1' })
      expect(results.raw.native).toContainEqual({ type: 'custom', data: 'lone CR line endings', lastEventId: '2' })
      expect(results.raw.native).toContainEqual({ type: 'message', data: '🚀 ünicode', lastEventId: '2' })
      expect(results.handler.native).toContainEqual({ type: 'message', data: 'the id was reset', lastEventId: '' })
      await browser.screenshot(page, 'compare')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })
})
