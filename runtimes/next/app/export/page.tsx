import { ExportPanel } from '../_components/export-progress'
import { PageHeader } from '../_components/page-header'

export default function ExportPage() {
  return (
    <>
      <PageHeader
        title="Export progress"
        lead={
          <>
            The README’s export: the route reads the records in chunks, sends a <code>progress</code> event after each (
            <code>{'{ progress, processed, total }'}</code>), then a <code>complete</code> event, and closes.
          </>
        }
        routes={['/api/export · node']}
      />
      <ExportPanel />
    </>
  )
}
