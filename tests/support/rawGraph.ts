/**
 * Plain HTTP calls to the emulator's Graph with an app's token, for tests that need the status code and headers
 * exactly as sent (the Graph SDK hides them and retries 429s): the emulator package's own (emulator/rawClient.ts).
 */
export { type RawAnswer, addApp, rawGraph, tokenFor } from "@m365-mfa/emulator";
