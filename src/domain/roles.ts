/**
 * Who may do what. Each role includes the ones before it: a viewer reads; a responder also acts on incidents;
 * an admin also changes targets and manages API keys.
 */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const hasRole = (held: Role, required: Role): boolean => ROLES.indexOf(held) >= ROLES.indexOf(required);
