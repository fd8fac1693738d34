/**
 * The index and the README examples that are one page each: notifications, the metrics dashboard, export
 * progress, the multi-sensor monitor and the error-handling component. Each test checks what a person
 * sees appear and change, that the page logged no console error, and saves a screenshot.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, test } from 'vitest'
import { browserForFile, text, waitForText } from '../../harness/browser'
import { demos } from '../app/_components/demos'

const base = inject('nextUrl')

const browser = browserForFile(async (launched) => {
  // The notifications belong to the `demo-user` cookie: a user of its own, whatever ran before.
  await launched.context.addCookies([{ name: 'demo-user', value: `e2e-${randomUUID().slice(0, 8)}`, url: base }])
})

const state = (selector = '') => `${selector} [data-testid=connection-state]`.trim()

describe('demo pages', { timeout: 90_000 }, () => {
  test('the index links to every example, and every link answers', async () => {
    const { page, problems } = await browser.open(base)
    try {
      const links = await page.locator('.demo-card').evaluateAll((cards) => cards.map((a) => a.getAttribute('href')))
      expect(links).toEqual(demos.map((d) => d.href))
      for (const href of links) expect((await fetch(`${base}${href}`)).status, href!).toBe(200)
      // The navigation bar reaches them too.
      expect(await page.locator('.site-nav a').count()).toBe(demos.length)
      // The index streams too: live server time, with its connection state.
      await waitForText(page, '[data-testid=connection-state]', (t) => t === 'open', 'the index open')
      const first = await waitForText(page, '[data-testid=server-time]', (t) => t !== '', 'the server time')
      await waitForText(page, '[data-testid=server-time]', (t) => t !== first, 'the next second')
      await browser.screenshot(page, 'index')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('notifications: the badge counts unread notifications in every tab of the user, live', async () => {
    const a = await browser.open(`${base}/notifications`)
    const b = await browser.open()
    try {
      await waitForText(a.page, state(), (t) => t === 'open', 'tab A open')
      expect(await a.page.locator('[data-testid=unread-count]').count()).toBe(0)
      await a.page.click('[data-testid=notify]')
      await waitForText(a.page, '[data-testid=unread-count]', (t) => t === '1', 'badge 1 in tab A')

      // A second tab of the same user shows the badge at once, and both follow new notifications.
      await b.page.goto(`${base}/notifications`)
      await waitForText(b.page, '[data-testid=unread-count]', (t) => t === '1', 'badge 1 in tab B')
      await b.page.click('[data-testid=notify]')
      for (const tab of [a, b]) {
        await waitForText(tab.page, '[data-testid=unread-count]', (t) => t === '2', 'badge 2 in both tabs')
        expect(await tab.page.locator('[data-testid=feed] li').count()).toBe(2)
      }
      await browser.screenshot(a.page, 'notifications')

      await a.page.click('[data-testid=mark-read]')
      for (const tab of [a, b]) {
        await tab.page.locator('[data-testid=unread-count]').waitFor({ state: 'detached' })
        expect(await text(tab.page, '.card-sub')).toBe('No unread notifications')
        expect(await text(tab.page, state())).toBe('open')
      }
      expect(a.problems).toEqual([])
      expect(b.problems).toEqual([])
    } finally {
      await a.page.close()
      await b.page.close()
    }
  })

  test('dashboard: the metrics appear, a new sample replaces them and extends the live charts, the state badge says open', async () => {
    const { page, problems } = await browser.open(`${base}/dashboard`)
    try {
      await waitForText(page, state(), (t) => t === 'open', 'open')
      const first = await waitForText(page, '[data-testid=sample]', (t) => /^Sample #\d+/.test(t), 'a first sample')
      for (const title of ['Active Users', 'Requests/sec', 'Error Rate']) {
        const value = await text(page, `[data-testid="metric-${title}"] [data-testid=metric-value]`)
        expect(value, title).toMatch(title === 'Error Rate' ? /^\d+(\.\d+)?%$/ : /^\d+(\.\d+)?$/)
      }
      const number = (sample: string) => Number(/#(\d+)/.exec(sample)![1])
      // The route sends a sample every five seconds: the next one arrives on the same connection.
      await waitForText(page, '[data-testid=sample]', (t) => number(t) > number(first), 'the next sample')
      // Each metric is charted over its last minute: one point per sample received, labelled with its range.
      expect(await page.locator('.sparkline').count()).toBe(3)
      for (const title of ['Active Users', 'Requests/sec', 'Error Rate']) {
        const chart = page.locator(`[data-testid="metric-${title}"] [data-testid=chart]`)
        expect(Number(await chart.getAttribute('data-points')), title).toBeGreaterThanOrEqual(2)
        expect(await chart.locator('path').count(), title).toBe(2)
        expect(await chart.locator('[data-testid=chart-range]').textContent(), title).toMatch(/^[\d.]+ – [\d.]+$/)
        expect(await chart.locator('svg').getAttribute('aria-label'), title).toMatch(/over the last minute/)
      }
      await browser.screenshot(page, 'dashboard')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('export: the progress bar fills chunk by chunk, then the export completes and the stream closes', async () => {
    const { page, problems } = await browser.open(`${base}/export`)
    try {
      // Every value the progress bar takes, recorded in the page as it changes.
      await page.evaluate(() => {
        const seen: string[] = []
        ;(window as unknown as { progress: string[] }).progress = seen
        new MutationObserver(() => {
          const value = document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow')
          if (value != null && seen[seen.length - 1] !== value) seen.push(value)
        }).observe(document.body, { subtree: true, childList: true, attributes: true })
      })
      await page.click('[data-testid=start-export]')
      await page.locator('[data-testid=export-complete]').waitFor()
      expect(await text(page, '[data-testid=processed]')).toBe('2,400 / 2,400 records processed')
      expect(await text(page, '[data-testid=export-complete]')).toMatch(/^Export completed! 2,400 records/)
      expect(await page.getAttribute('[role=progressbar]', 'aria-valuenow')).toBe('100')
      const progress = (await page.evaluate(() => (window as unknown as { progress: string[] }).progress)).map(Number)
      // Several intermediate values, only ever growing: one per chunk that arrived on its own.
      expect(progress.filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(3)
      expect(progress).toEqual([...progress].sort((x, y) => x - y))
      await waitForText(page, state(), (t) => t === 'closed', 'closed after completion')
      await browser.screenshot(page, 'export')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('sensors: three hooks, three event names, exactly one request to /api/events', async () => {
    const { page, problems } = await browser.open()
    const requests: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/events') requests.push(request.url())
    })
    try {
      await page.goto(`${base}/sensors`)
      await waitForText(page, state(), (t) => t === 'open', 'open')
      for (const sensor of ['Temperature', 'Humidity', 'Pressure']) {
        const card = `[data-testid=sensor-${sensor}]`
        await waitForText(page, `${card} [data-testid=sensor-value]`, (t) => /^\d+\.\d$/.test(t), `${sensor} value`)
      }
      // Temperature comes every second: its value keeps changing on the same connection.
      await waitForText(
        page,
        '[data-testid=sensor-Temperature] [data-testid=sensor-updates]',
        (t) => Number(t) >= 3,
        'three temperatures',
      )
      await waitForText(
        page,
        '[data-testid=sensor-Pressure] [data-testid=sensor-updates]',
        (t) => Number(t) >= 2,
        'two pressures',
      )
      expect(requests).toEqual([`${base}/api/events`])
      await browser.screenshot(page, 'sensors')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('lifecycle: a graceful close is not an error, an error is shown, and close() closes', async () => {
    const { page, problems } = await browser.open(`${base}/lifecycle`)
    try {
      const finite = '[data-testid=lifecycle-finite]'
      await waitForText(
        page,
        `${finite} [data-testid=closed-note]`,
        (t) => t.includes('closed by the server'),
        'graceful close',
      )
      expect(await text(page, `${finite} [data-testid=last-tick]`)).toBe('#3')
      expect(await text(page, state(finite))).toBe('closed')
      expect(await page.locator(`${finite} [data-testid=error]`).count()).toBe(0)

      const failing = '[data-testid=lifecycle-wrong-type]'
      await waitForText(page, `${failing} [data-testid=error]`, (t) => t.includes('Not text/event-stream'), 'the error')
      expect(await text(page, state(failing))).toBe('error')

      const live = '[data-testid=lifecycle-live]'
      await waitForText(page, `${live} [data-testid=last-tick]`, (t) => /^#[2-9]/.test(t), 'two ticks')
      await browser.screenshot(page, 'lifecycle')
      await page.click(`${live} button.danger`)
      await waitForText(
        page,
        `${live} [data-testid=closed-note]`,
        (t) => t === 'You closed the connection.',
        'closed by the page',
      )
      expect(await page.getAttribute(state(live), 'data-state')).toBe('closed')
      await page.click(`${live} button.secondary`)
      await waitForText(page, state(live), (t) => t === 'open', 'open again')
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })
})
