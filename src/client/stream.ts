import { createParser, type ParsedEvent, type Parser, type ParserOptions } from './parser'

/**
 * {@link createParser} as a `TransformStream`: bytes or text in, {@link ParsedEvent}s out. Without an
 * `onError` option, a parse error (`MAX_BUFFER_SIZE`) errors the stream, so it cannot pass unnoticed.
 *
 * @example
 * ```ts
 * import { ParserStream } from 'use-next-sse/client'
 *
 * const response = await fetch('/api/feed')
 * for await (const event of response.body!.pipeThrough(new ParserStream())) {
 *   console.log(event.type, event.data)
 * }
 * ```
 */
// Made by a pure call so bundlers drop it when unused: a class extending a global cannot be dropped.
export const ParserStream = /* @__PURE__ */ (() =>
  class ParserStream extends TransformStream<Uint8Array | string, ParsedEvent> {
    constructor(options: Omit<ParserOptions, 'onEvent'> = {}) {
      let parser: Parser
      super({
        start(controller) {
          parser = createParser({
            ...options,
            onEvent: (event) => controller.enqueue(event),
            onError: options.onError ?? ((error) => controller.error(error)),
          })
        },
        transform(chunk) {
          parser.feed(chunk)
        },
      })
    }
  })()

/** An instance of {@link ParserStream}. */
export type ParserStream = InstanceType<typeof ParserStream>
