/**
 * The `notificationService` the README's notifications route subscribes to, built on a channel: a
 * notification is published to the `notifications` channel (which gives it an id and keeps a history),
 * and each subscription listens to the channel's backplane for its own user's notifications.
 */
import { createChannel, createMemoryBackplane } from 'use-next-sse/server'

export interface Notification {
  id: string
  /** `new`: a notification to show; `read`: the user read everything (the badge goes to 0). */
  kind: 'new' | 'read'
  title: string
  createdAt: number
  /** The user's unread notifications, this one included. */
  unreadCount: number
}

interface Published extends Notification {
  userId: string
}

const backplane = createMemoryBackplane()
const channel = createChannel<Published>({ name: 'notifications', backplane, maxEvents: 200 })
const unread = new Map<string, number>()
const latest = new Map<string, Notification>()

const titles = [
  'Ada Lovelace commented on your pull request',
  'Build #%n passed on main',
  'Grace Hopper mentioned you in #release',
  'New sign-in from Firefox on Linux',
  'Your export is ready to download',
  'Linus Torvalds approved your changes',
  'Deploy to production finished',
  'Margaret Hamilton assigned you an issue',
]
let sequence = 0

async function publish(userId: string, kind: Notification['kind'], title: string): Promise<Notification> {
  const notification: Notification = {
    id: crypto.randomUUID(),
    kind,
    title,
    createdAt: Date.now(),
    unreadCount: unread.get(userId) ?? 0,
  }
  latest.set(userId, notification)
  await channel.publish({ ...notification, userId }, { event: 'notification' })
  return notification
}

export const notificationService = {
  /**
   * Calls `listener` with each notification of `userId` from now on; right away too if the user has
   * unread ones, so that a new tab (or a reconnection) shows the right badge at once.
   */
  subscribe(userId: string, listener: (notification: Notification) => void): { unsubscribe: () => void } {
    const unsubscribe = backplane.subscribe(channel.name, (event) => {
      const { userId: to, ...notification } = JSON.parse(event.data) as Published
      if (to === userId) listener(notification)
    })
    const current = latest.get(userId)
    if (current && (unread.get(userId) ?? 0) > 0) listener(current)
    return { unsubscribe }
  },

  /** Adds an unread notification for `userId` and delivers it to every subscription of that user. */
  notify(userId: string, title?: string): Promise<Notification> {
    unread.set(userId, (unread.get(userId) ?? 0) + 1)
    sequence++
    const text = title || titles[sequence % titles.length]!.replace('%n', String(100 + sequence))
    return publish(userId, 'new', text)
  },

  markAllRead(userId: string): Promise<Notification> {
    unread.set(userId, 0)
    return publish(userId, 'read', 'All caught up')
  },
}

/** The demo's stand-in for authentication: the `demo-user` cookie, `guest` without one. */
export function userIdOf(request: Request): string {
  const cookie = request.headers.get('cookie') ?? ''
  const match = /(?:^|;\s*)demo-user=([\w-]{1,64})/.exec(cookie)
  return match?.[1] ?? 'guest'
}
