// The IIFE's global (`contract`) is how the host reaches the app inside the VM.
export { handle } from '../contract/app'
