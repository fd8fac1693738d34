import type { ReactNode } from 'react'

/** A demo page's title, what it shows, and the server routes it reads (`path · runtime`, or `POST path · runtime`). */
export function PageHeader({ title, lead, routes }: { title: string; lead: ReactNode; routes: string[] }) {
  return (
    <div className="page-header">
      <a className="back" href="/">
        ← All examples
      </a>
      <h1>{title}</h1>
      <p className="lead">{lead}</p>
      <div className="chips">
        {routes.map((route) => {
          const [target = '', runtime] = route.split(' · ')
          const [method, path] = target.includes(' ') ? target.split(' ') : ['GET', target]
          return (
            <span className="chip" key={route}>
              {method} <code>{path}</code> {runtime}
            </span>
          )
        })}
      </div>
    </div>
  )
}
