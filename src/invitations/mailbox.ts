// What invitation handling needs from an open IMAP mailbox. ImapWatcher implements it over
// imapflow; the processor's spec uses an in-memory one.

export interface MessageMeta {
  uid: number;
  flags: Set<string>;
  /** RFC822.SIZE: known before anything is downloaded. */
  size: number;
  /** Envelope From addresses (lower-case), as the server parsed them. */
  from: string[];
  subject: string | null;
}

export interface OpenMailbox {
  /** Mailbox path and UIDVALIDITY: with the UID they name one message for good. */
  readonly path: string;
  readonly uidValidity: string;
  /** The mailbox accepts custom keywords (PERMANENTFLAGS has \*). */
  readonly keywords: boolean;
  /** Messages with UID >= `uid` (new since the mailbox was last looked at). */
  metaFrom(uid: number): Promise<MessageMeta[]>;
  /**
   * Messages since `since` not marked handled: without STARTED_KEYWORD and SKIPPED_KEYWORD, or
   * unread where the mailbox takes no keywords. A message a person read while the service was
   * down is still an invitation.
   */
  metaUnhandledSince(since: Date): Promise<MessageMeta[]>;
  /** Current flags, or null when the message is gone. */
  flagsOf(uid: number): Promise<Set<string> | null>;
  /** The whole message, at most `maxBytes` of it. */
  source(uid: number, maxBytes: number): Promise<Buffer | null>;
  /** false when the server refused. */
  addFlags(uid: number, flags: string[]): Promise<boolean>;
  removeFlags(uid: number, flags: string[]): Promise<boolean>;
}

/** Set (with \Seen) before tracking starts: the message is handled, by whichever replica. */
export const STARTED_KEYWORD = '$LivetrackStarted';
/** A message looked at and not started (wrong sender, no link …): not looked at again. */
export const SKIPPED_KEYWORD = '$LivetrackSkipped';
/** Added to a started one whose start failed (bad or expired link), for the person reading the mailbox. */
export const FAILED_KEYWORD = '$LivetrackFailed';
