/**
 * The connector copy of an operator message (event `message.text`, BITRIX24.md §1 server shape)
 * starts with the operator's signature `[b]Name:[/b][br] ` when the open line signs messages.
 * Mirrors show the author separately, so the prefix is removed, and only at the very start.
 */

// Name: anything but brackets and line breaks, bounded so a huge `[b]` run cannot be scanned twice.
const SIGNATURE = /^\[b\][^[\]\r\n]{1,200}:\[\/b\](?:\[br\]|#br#|\r?\n) ?/i

/** Removes a leading `[b]Name:[/b][br] ` (or with `#BR#` / a newline); other text is unchanged. */
export function stripOperatorSignature(text: string): string {
  return text.replace(SIGNATURE, '')
}
