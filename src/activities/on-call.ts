import type { Pool } from 'pg';
import { findRotation, rotationOf } from '../db/rotations';
import { readOnCallPlan } from '../db/schedules';
import { findUser } from '../db/users';
import type { PolicyPersonTarget } from '../domain/escalation';
import { onCallAt } from '../domain/on-call';
import type { OnCallAnswer, OnCallPerson } from '../domain/paging';
import { participantAt } from '../domain/rotation';
import { zoneClock } from '../domain/zone-time';

export interface FindOnCallInput {
  targets: PolicyPersonTarget[];
  /** The instant the level fired (epoch ms): who was on call then, however late this runs. */
  at: number;
}

/** Who an escalation level's people are at the instant it fires. */
export function createOnCallActivities({ pool }: { pool: Pool }) {
  const userIdsOf = async (target: PolicyPersonTarget, at: number): Promise<string[]> => {
    switch (target.kind) {
      case 'user':
        return [target.id];
      case 'schedule': {
        const plan = await readOnCallPlan(pool, target.id, at, at + 1);
        return plan ? onCallAt(plan, at) : [];
      }
      case 'rotation': {
        const rotation = await findRotation(pool, target.id);
        const userId = rotation && participantAt(rotationOf(rotation), zoneClock(rotation.timeZone), at);
        return userId ? [userId] : [];
      }
    }
  };
  const person = async (id: string): Promise<OnCallPerson | undefined> => {
    const user = await findUser(pool, id);
    return (
      user && {
        id: user.id,
        name: user.name,
        contactMethods: user.contactMethods.map(({ name, kind }) => ({ name, kind })),
        rules: user.notificationRules,
      }
    );
  };

  return {
    /**
     * Whom each target has on call at `at`, with their contact methods' names and notification rules (not their
     * addresses: deliveries read those when they send). A schedule, rotation or user deleted since the incident
     * captured its policy has nobody.
     */
    async findOnCall({ targets, at }: FindOnCallInput): Promise<OnCallAnswer[]> {
      return Promise.all(
        targets.map(async (target) => {
          const people = await Promise.all((await userIdsOf(target, at)).map(person));
          return { target, people: people.filter((p) => p !== undefined) };
        }),
      );
    },
  };
}
