/**
 * Trading-path command handlers do their work synchronously (so effects happen in seq order and
 * errors reach the caller at once) and return this settled promise to satisfy ICommandHandler.
 */
export const DONE: Promise<void> = Promise.resolve();
