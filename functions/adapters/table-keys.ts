/** Keys of the single survey table. Personal data never appears in a key: contacts are hashed. */
export const keys = {
  invitation: (tokenHash: string) => ({ pk: `INV#${tokenHash}`, sk: 'INVITATION' }),
  claim: (programId: string, eventId: string) => ({ pk: `DISPATCH#${programId}#${eventId}`, sk: 'CLAIM' }),
  rest: (contactKey: string, scope: string) => ({ pk: `CONTACT#${contactKey}`, sk: `REST#${scope}` }),
  suppression: (contactKey: string) => ({ pk: `CONTACT#${contactKey}`, sk: 'SUPPRESSED' }),
  cancel: (cancelKey: string) => ({ pk: `CANCEL#${cancelKey}`, sk: 'CANCEL' }),
  /** The outbox item of a respondent notification: one per case and kind (domain/notification.ts). */
  notification: (caseId: string, kind: string) => ({ pk: `NOTIFY#${caseId}#${kind}`, sk: 'NOTIFY' }),
  /** What a notification's unsubscribe link names (by the SHA-256 of its token): the contact to suppress. */
  unsubscribeLink: (linkKey: string) => ({ pk: `UNSUB#${linkKey}`, sk: 'UNSUBSCRIBE' }),
  /** One person's record of one announcement (functions/announce/): at most one email per announcement id and contact. */
  announcement: (announcementId: string, contactKey: string) => ({ pk: `ANNOUNCE#${announcementId}#${contactKey}`, sk: 'ANNOUNCE' }),
};
