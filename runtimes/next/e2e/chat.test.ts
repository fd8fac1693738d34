/**
 * The chat room: a message posted in one tab reaches another tab live; a tab that was away (navigated
 * off the room, or reloading while messages were posted) comes back, resumes from the last event id it
 * saved, and shows every message it missed exactly once, and none twice.
 */
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { describe, expect, inject, test } from 'vitest'
import { browserForFile, PAGE_DEADLINE, type WatchedPage, waitForText } from '../../harness/browser'
import { poll } from '../../harness/poll'

const base = inject('nextUrl')

const browser = browserForFile()

/** The texts of the messages a page shows, in order. */
function texts(page: Page): Promise<string[]> {
  return page.locator('[data-testid=message-text]').allTextContents()
}

async function waitForMessages(page: Page, expected: string[], what: string): Promise<void> {
  const shown = await poll(
    () => texts(page),
    (shown) => {
      // Fail at once on a duplicate or on anything unexpected, rather than wait for the deadline.
      expect(new Set(shown).size, `${what}: a message shown twice in ${JSON.stringify(shown)}`).toBe(shown.length)
      return shown.length >= expected.length
    },
    what,
    PAGE_DEADLINE,
  )
  expect(shown, what).toEqual(expected)
}

/** Posts through the page's form, and waits for the form to clear (the POST succeeded). */
async function post(page: Page, message: string): Promise<void> {
  await page.fill('input[name=text]', message)
  await page.click('form.composer button[type=submit]')
  await page.waitForFunction(() => (document.querySelector('input[name=text]') as HTMLInputElement).value === '')
}

async function openRoom(tab: WatchedPage, url: string): Promise<void> {
  await tab.page.goto(url)
  await waitForText(tab.page, '[data-testid=connection-state]', (t) => t === 'open', 'the room open')
}

describe('chat room', { timeout: 90_000 }, () => {
  test('delivers live to another tab; a tab that comes back shows what it missed, exactly once', async () => {
    const name = `e2e-${randomUUID().slice(0, 8)}`
    const room = `${base}/chat/${name}`
    const one = await browser.open(`${base}/chat`)
    const two = await browser.open()
    try {
      // Tab one joins through the room picker.
      await waitForText(one.page, '[data-testid=connection-state]', (t) => t === 'open', 'the picker page open')
      await browser.screenshot(one.page, 'chat-rooms')
      await one.page.fill('input[aria-label="Room name"]', name)
      await Promise.all([one.page.waitForURL(room), one.page.click('form button[type=submit]')])
      await waitForText(one.page, '[data-testid=connection-state]', (t) => t === 'open', 'the room open')
      await openRoom(two, room)

      await post(one.page, 'hello from tab one')
      await waitForMessages(two.page, ['hello from tab one'], 'live in tab two')
      await waitForMessages(one.page, ['hello from tab one'], 'and in tab one')

      // Tab two leaves the room (same tab, so its sessionStorage stays); two messages are posted meanwhile.
      await two.page.goto('about:blank')
      await post(one.page, 'posted while tab two was away')
      await post(one.page, 'a second one while it was away')
      await openRoom(two, room)
      const all = ['hello from tab one', 'posted while tab two was away', 'a second one while it was away']
      await waitForMessages(two.page, all, 'tab two after coming back')
      expect(await two.page.locator('[data-missed]').allTextContents()).toHaveLength(2)
      await waitForText(
        two.page,
        '[data-testid=missed-divider]',
        (t) => t.startsWith('2 messages you missed'),
        'divider',
      )
      await browser.screenshot(two.page, 'chat')

      // Tab two reloads while tab one posts: whatever arrives before, during or after, each message once.
      await Promise.all([
        two.page.reload(),
        (async () => {
          await post(one.page, 'posted during the reload')
          await post(one.page, 'also during the reload')
        })(),
      ])
      await waitForText(two.page, '[data-testid=connection-state]', (t) => t === 'open', 'open after the reload')
      await post(one.page, 'after the reload')
      const everything = [...all, 'posted during the reload', 'also during the reload', 'after the reload']
      await waitForMessages(two.page, everything, 'tab two after the reload')
      await waitForMessages(one.page, everything, 'tab one, which never left')

      expect(one.problems).toEqual([])
      expect(two.problems).toEqual([])
    } finally {
      await one.page.close()
      await two.page.close()
    }
  })
})
