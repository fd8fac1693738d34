import { NotificationBell } from '../_components/notification-bell'
import { PageHeader } from '../_components/page-header'

export default function NotificationsPage() {
  return (
    <>
      <PageHeader
        title="Notifications"
        lead={
          <>
            The README’s notification bell. The route subscribes the signed-in user to a{' '}
            <code>notificationService</code> built on a channel and forwards each notification as a{' '}
            <code>notification</code> event; the bell shows <code>unreadCount</code> and reconnects on its own (
            <code>reconnect: true</code>). Every tab of this browser is the same user.
          </>
        }
        routes={['/api/notifications · node']}
      />
      <NotificationBell />
    </>
  )
}
