import { MyComponent } from '../_components/my-component'
import { PageHeader } from '../_components/page-header'

export default function LifecyclePage() {
  return (
    <>
      <PageHeader
        title="Errors and closing"
        lead={
          <>
            The README’s error-handling component, three times: <code>connectionState</code> is <code>closed</code> with{' '}
            <code>error === null</code> after a graceful close, <code>error</code> says what failed otherwise, and{' '}
            <code>close()</code> ends the connection from the page.
          </>
        }
        routes={['/api/lifecycle · node']}
      />
      <div className="grid-3">
        <MyComponent
          title="Graceful close"
          description="Three events, then the server calls close()."
          url="/api/lifecycle?scenario=finite"
          reconnect={false}
        />
        <MyComponent
          title="Error"
          description="The URL answers JSON, not an event stream: a fatal error, no retries."
          url="/api/lifecycle?scenario=wrong-type"
          reconnect={{ interval: 2000, maxAttempts: 3 }}
        />
        <MyComponent
          title="Manual close"
          description="A tick a second until you press Close."
          url="/api/lifecycle?scenario=live"
          reconnect={{ interval: 2000, maxAttempts: 3 }}
        />
      </div>
    </>
  )
}
