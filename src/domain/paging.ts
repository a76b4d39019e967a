import type { PolicyPersonTarget } from './escalation';
import type { ContactMethod, NotificationRule } from './users';

/**
 * Paging people: a level that names users, schedules or rotations pages whoever they have on call when it fires,
 * through each person's contact methods as their notification rules say ("e-mail at once, webhook after 5 minutes
 * unacknowledged"). Pure: an activity finds who is on call (so a replay reads the answer from the history instead of
 * computing it again), and the incident machine decides with these what is sent now and what waits.
 */

/** A person found on call, as much of them as paging needs: their contact methods' names and kinds, never addresses. */
export interface OnCallPerson {
  id: string;
  name: string;
  contactMethods: { name: string; kind: ContactMethod['kind'] }[];
  rules: NotificationRule[];
}

/** Whom one of a level's targets had on call at the instant the level fired; none: nobody (or the user was deleted). */
export interface OnCallAnswer {
  target: PolicyPersonTarget;
  people: OnCallPerson[];
}

/** One of a person's contact methods, as a delivery names it: the delivery reads its address as it stands when sent. */
export interface PersonContact {
  userId: string;
  userName: string;
  /** The contact method's name, unique within the user. */
  method: string;
  kind: ContactMethod['kind'];
}

/** A page a notification rule puts off: sent at `due` unless the incident is acknowledged or resolved first. */
export interface DelayedPage {
  due: number;
  afterMinutes: number;
  contact: PersonContact;
}

/**
 * Each person once (the first target that named them is why they are paged), in the order the level names them.
 * Someone named twice (as a user and as a schedule's person on call) gets one page.
 */
export function peopleToPage(answers: readonly OnCallAnswer[]): { person: OnCallPerson; via: PolicyPersonTarget }[] {
  const paged = new Map<string, { person: OnCallPerson; via: PolicyPersonTarget }>();
  for (const { target, people } of answers) for (const person of people) if (!paged.has(person.id)) paged.set(person.id, { person, via: target });
  return [...paged.values()];
}

/**
 * What a person's notification rules send at `now` and what they put off. Without rules, every contact method at once:
 * someone who set up a way to reach them expects to be reached by it.
 */
export function pagesFor(person: OnCallPerson, now: number): { atOnce: PersonContact[]; later: DelayedPage[] } {
  const contact = (method: string): PersonContact | undefined => {
    const m = person.contactMethods.find((c) => c.name === method);
    return m && { userId: person.id, userName: person.name, method: m.name, kind: m.kind };
  };
  const rules = person.rules.length > 0 ? person.rules : person.contactMethods.map((m) => ({ contactMethod: m.name, afterMinutes: 0 }));
  const atOnce: PersonContact[] = [];
  const later: DelayedPage[] = [];
  for (const { contactMethod, afterMinutes } of rules) {
    const c = contact(contactMethod);
    if (!c) continue;
    if (afterMinutes === 0) atOnce.push(c);
    else later.push({ due: now + afterMinutes * 60_000, afterMinutes, contact: c });
  }
  return { atOnce, later };
}

/** How the timeline names why someone was paged: "Ada (on call for schedule Primary)". */
export const pagedAs = (person: { name: string }, via: PolicyPersonTarget) =>
  via.kind === 'user' ? person.name : `${person.name} (on call for ${via.kind} ${via.name})`;

/** "e-mail Work" */
export const contactName = (c: PersonContact) => `${c.kind} ${c.method}`;
