import { PageHeader } from '../_components/page-header'
import { TabsDemo } from '../_components/tabs-demo'

export default function TabsPage() {
  return (
    <>
      <PageHeader
        title="One connection for every tab"
        lead={
          <>
            With <code>shareAcrossTabs: true</code> the tabs of this browser share one connection: one tab, the leader,
            holds it and relays its events to the others. Open this page in more tabs: the server still counts one
            connection. Close the leader: another tab takes over within a second, resuming with{' '}
            <code>Last-Event-ID</code>, and no tick is missed or doubled.
          </>
        }
        routes={['/api/tabs · node']}
      />
      <TabsDemo />
    </>
  )
}
