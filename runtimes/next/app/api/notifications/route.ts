// Server: app/api/notifications/route.ts, as in the README.
import { createSSEHandler } from 'use-next-sse'
import { type Notification, notificationService, userIdOf } from '../../_lib/notifications'

export const dynamic = 'force-dynamic'

// biome-ignore lint/correctness/noUnusedFunctionParameters: the README's signature
export const GET = createSSEHandler<{ notification: Notification }>((send, close, { onClose, request }) => {
  const userId = userIdOf(request) // the demo's "auth": a cookie

  // Subscribe to notification service
  const subscription = notificationService.subscribe(userId, (notification) => {
    send(notification, 'notification')
  })

  onClose(() => {
    subscription.unsubscribe()
  })
})

/** The page's buttons: `{}` sends a notification to the current user, `{ action: 'read' }` reads them all. */
export async function POST(request: Request) {
  const userId = userIdOf(request)
  const body = (await request.json().catch(() => ({}))) as { action?: unknown; title?: unknown }
  if (body.action === 'read') return Response.json(await notificationService.markAllRead(userId))
  const title = typeof body.title === 'string' ? body.title.trim().slice(0, 120) : undefined
  return Response.json(await notificationService.notify(userId, title))
}
