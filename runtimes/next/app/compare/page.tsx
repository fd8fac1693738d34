import { Compare } from '../_components/compare'
import { PageHeader } from '../_components/page-header'

export default function ComparePage() {
  return (
    <>
      <PageHeader
        title="Native EventSource vs ours"
        lead={
          <>
            The same tricky stream read by the browser’s own <code>EventSource</code> and by the one from{' '}
            <code>use-next-sse/client</code>, side by side: every event’s type, data and <code>lastEventId</code>, up to
            the end of the stream. Multi-line data, CRLF and lone CR, unicode split inside a character, an id with NUL,
            an id reset, id-only blocks, empty data, comments and <code>retry</code>.
          </>
        }
        routes={['/api/compare · node']}
      />
      <Compare />
    </>
  )
}
