/**
 * The cross-tab page (`shareAcrossTabs: true`, issue 13) under `next start`, which speaks HTTP/1.1: three
 * tabs of one browser share one server connection, each tab shows its role, the tabs open and the
 * server's connections, and closing the leading tab hands the connection over to another, which resumes.
 * The route answers POST with what its server side saw (connections opened, resumed with a
 * `Last-Event-ID`, closed, open now and the tab behind each): that is how these tests count connections.
 */
import { describe, expect, inject, test } from 'vitest'
import { browserForFile, PAGE_DEADLINE, text, type WatchedPage } from '../../harness/browser'
import { poll } from '../../harness/poll'

interface Stats {
  opened: number
  resumed: number
  closed: number
  open: number
  tabs: string[]
}

const base = inject('nextUrl')

async function stats(): Promise<Stats> {
  const response = await fetch(`${base}/api/tabs`, { method: 'POST' })
  return (await response.json()) as Stats
}

const browser = browserForFile()

/** What a tab shows. */
async function shown({ page }: WatchedPage) {
  return {
    name: await text(page, '[data-testid=tab-name]'),
    role: await text(page, '[data-testid=role]'),
    openTabs: await text(page, '[data-testid=open-tabs]'),
    connections: await text(page, '[data-testid=server-connections]'),
    last: Number(await text(page, '[data-testid=last-tick]')),
    missed: await text(page, '[data-testid=missed]'),
    doubled: await text(page, '[data-testid=doubled]'),
  }
}

/** Waits until every tab shows what `check` wants; returns what each shows. */
function allShow(tabs: WatchedPage[], check: (seen: Awaited<ReturnType<typeof shown>>) => boolean, what: string) {
  return poll(
    () => Promise.all(tabs.map(shown)),
    (all) => all.every(check),
    what,
    PAGE_DEADLINE,
  )
}

describe('one connection for every tab', { timeout: 120_000 }, () => {
  test('three tabs share one server connection; closing the leader hands it over, nothing missed or doubled', async () => {
    const before = await stats()
    expect(before.open).toBe(0)
    const tabs: WatchedPage[] = []
    try {
      for (let i = 0; i < 3; i++) tabs.push(await browser.open(`${base}/tabs`))
      const seen = await allShow(
        tabs,
        (s) => s.openTabs === '3' && s.connections === '1' && s.role !== '…' && s.last > 0,
        'three tabs, one connection, a role and a tick in each',
      )
      // One leader, named by the server as the tab behind its one connection; the others follow.
      expect(seen.map((s) => s.role).sort()).toEqual(['follower', 'follower', 'leader'])
      const leader = seen.find((s) => s.role === 'leader')!
      const now = await stats()
      expect(now.opened - before.opened).toBe(1)
      expect(now.open).toBe(1)
      expect(now.tabs).toEqual([leader.name])
      await browser.screenshot(tabs[seen.indexOf(leader)]!.page, 'tabs-leader')
      await browser.screenshot(tabs[seen.findIndex((s) => s.role === 'follower')]!.page, 'tabs-follower')

      // The leader's tab closes mid-stream: another tab leads, resuming after the last tick it saw.
      const closing = tabs[seen.indexOf(leader)]!
      const rest = tabs.filter((tab) => tab !== closing)
      const lastBefore = Math.max(...seen.map((s) => s.last))
      await closing.page.close()
      const after = await allShow(
        rest,
        (s) => s.openTabs === '2' && s.connections === '1' && s.role !== '…' && s.last >= lastBefore + 3,
        'two tabs, one connection again, three more ticks',
      )
      const next = after.find((s) => s.role === 'leader')
      expect(next?.name).toBeDefined()
      expect(next!.name).not.toBe(leader.name)
      expect(after.map((s) => s.role).sort()).toEqual(['follower', 'leader'])
      for (const s of after) expect([s.missed, s.doubled]).toEqual(['0', '0'])
      const end = await stats()
      expect(end.opened - before.opened).toBe(2)
      expect(end.resumed - before.resumed).toBe(1)
      expect(end.closed - before.closed).toBe(1)
      expect(end.tabs).toEqual([next!.name])
      for (const tab of tabs) expect(tab.problems).toEqual([])
    } finally {
      for (const tab of tabs) if (!tab.page.isClosed()) await tab.page.close()
    }
    // Every tab closed: the server sees its last connection end.
    await poll(stats, (s) => s.open === 0, 'the last connection to end', PAGE_DEADLINE)
  })
})
