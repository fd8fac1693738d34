import { Dashboard } from '../_components/dashboard'
import { PageHeader } from '../_components/page-header'

export default function DashboardPage() {
  return (
    <>
      <PageHeader
        title="Metrics dashboard"
        lead={
          <>
            The README’s dashboard: the route calls <code>fetchMetrics()</code> every five seconds and sends a{' '}
            <code>metrics</code> event; the hook reconnects with <code>{'{ interval: 3000, maxAttempts: 10 }'}</code>{' '}
            and shows <code>connectionState</code> as a badge. Stop the server and watch it reconnect.
          </>
        }
        routes={['/api/metrics · node']}
      />
      <Dashboard />
    </>
  )
}
