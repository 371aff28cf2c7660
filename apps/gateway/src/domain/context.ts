import type { CredentialCipher } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';
import type { EmitDomainEvent } from './events.ts';

/** Who is acting, for which request, with which services: every admin verb takes one. */
export interface AdminContext {
  store: Store;
  cipher: CredentialCipher;
  /** Recorded in audit events (`admin-token`, or the caller's `X-Admin-Actor`). */
  actor: string;
  requestId: string;
  now: () => Date;
  /** Where actions announce what they did, after commit. */
  emit: EmitDomainEvent;
}
