export { ChannelObject, type ChannelObjectOptions } from './channel-object'
export { type ChannelNamespace, channelOf, type RemoteChannel } from './channel-of'
