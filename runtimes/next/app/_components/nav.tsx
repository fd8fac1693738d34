'use client'
import { useSyncExternalStore } from 'react'
import { demos } from './demos'

const noSubscription = () => () => {}

/** The navigation bar; the current page is marked once hydrated (the server does not know the path here). */
export function Nav() {
  // The server snapshot is '' so that hydration matches, then the client's path marks the current link.
  const path = useSyncExternalStore(
    noSubscription,
    () => window.location.pathname,
    () => '',
  )
  return (
    <nav className="site-nav" aria-label="Demos">
      {demos.map((demo) => (
        <a
          key={demo.href}
          href={demo.href}
          aria-current={path === demo.href || path.startsWith(`${demo.href}/`) ? 'page' : undefined}
        >
          {demo.nav}
        </a>
      ))}
    </nav>
  )
}
