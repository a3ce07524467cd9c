import type { SessionInfo } from "../env";

/**
 * How the audit log names a console session: `session:` and the first 12
 * hex of its id's hash. Enough to tell a person's sessions apart, and not
 * the stored key (which the security page's forms carry in full).
 */
export function sessionActor(session: Pick<SessionInfo, "idHash">): string {
  return `session:${session.idHash.slice(0, 12)}`;
}
