/**
 * The contract app bundled to a script and evaluated in a bare `EdgeVM` (@edge-runtime/vm 5): only the
 * edge primitives exist there, no `process`, no `Buffer`, unlike vitest's `edge-runtime` environment.
 * Requests are built with the VM's own `Request` and `AbortController`; what comes back is a VM
 * `Response`, which fails `instanceof` in the host and is read by shape.
 */
import { EdgeVM } from '@edge-runtime/vm'
import { build } from 'esbuild'
import { expect, test } from 'vitest'
import type { handle as Handle } from '../contract/app'
import { opened, type Target, urlOf } from '../contract/client'
import { EXPECTED_WARNING, runContract } from '../contract/scenarios'

const base = 'http://contract.test'
let loaded: Promise<EdgeVM> | undefined

/** The VM with the app evaluated in it, made once. */
function edgeVM(): Promise<EdgeVM> {
  loaded ??= build({
    entryPoints: [new URL('./entry.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'contract',
    platform: 'neutral',
    target: 'es2022',
    write: false,
  }).then((bundle) => {
    const vm = new EdgeVM({
      // The VM's console is its own: mute the warnings the precedence scenarios provoke on purpose.
      extend: (context) => {
        const warn = context.console.warn
        context.console.warn = (...args: unknown[]) => {
          if (!String(args[0]).includes(EXPECTED_WARNING)) warn(...args)
        }
        return context
      },
    })
    vm.evaluate(bundle.outputFiles[0]!.text)
    return vm
  })
  return loaded
}

function targetIn(vm: EdgeVM): Target {
  const { Request, AbortController } = vm.context
  const { handle } = (vm.context as unknown as { contract: { handle: typeof Handle } }).contract
  const request = (route: string, query: Record<string, string>, headers?: Record<string, string>, method?: string) => {
    const aborter = new AbortController()
    const response = handle(
      new Request(urlOf(base, route, query), { method, headers, signal: aborter.signal }),
      'extra',
      42,
    )
    return { response: Promise.resolve(response), aborter }
  }
  return {
    async open(route, query, headers, method) {
      const { response, aborter } = request(route, query, headers, method)
      const res = await response
      expect(res).not.toBeInstanceOf(Response)
      return opened(res, aborter)
    },
    async json(route, query) {
      return JSON.parse(await (await request(route, query).response).text())
    },
  }
}

runContract({
  name: 'edge-vm',
  connectionHeader: true,
  start: async () => ({ target: targetIn(await edgeVM()), stop: async () => {} }),
  args: (seen) =>
    expect(seen).toEqual([
      { type: 'string', value: 'extra' },
      { type: 'number', value: 42 },
    ]),
})

test('the app runs where Node globals do not exist', async () => {
  const vm = await edgeVM()
  expect(vm.evaluate('[typeof process, typeof Buffer, typeof require]')).toEqual([
    'undefined',
    'undefined',
    'undefined',
  ])
  expect(vm.evaluate('typeof contract.handle')).toBe('function')
})
