import { z } from 'zod';
import { idSchema } from '../../domain/id';
import { ResourceKeySchema, resourceKeyField } from '../../domain/resource-key';
import { pageQueryFields } from '../pagination';
import { trimmedText } from '../../domain/text';
import { SHIFT_UNITS, timeZoneSchema } from '../../domain/zone-time';

/**
 * Rotations as the API takes and shows them; apart from the routes so that they load without the database layer: the
 * configuration file's rotations are built from them (src/api/config/schema.ts).
 */

const userId = idSchema('usr', 'a user');
const timestamp = z.iso.datetime({ offset: true });

export const rotationFields = {
  name: trimmedText(1, 200),
  key: resourceKeyField,
  timeZone: timeZoneSchema,
  shiftLength: z.int().min(1).max(1000).meta({ description: 'In `shiftUnit`s; at least 1' }),
  shiftUnit: z.enum(SHIFT_UNITS).meta({ description: 'Units of the wall clock: a day is from one local time to the same the next day' }),
  start: timestamp.meta({ description: "The first hand-off; every hand-off is at its wall-clock time in the rotation's time zone" }),
  participants: z.array(userId).min(1).max(100).meta({ description: 'User ids in turn order; one may appear more than once' }),
};

export const CreateRotationBody = z.strictObject(rotationFields);
export const ChangeRotationBody = z
  .strictObject({
    name: rotationFields.name.optional(),
    key: rotationFields.key,
    timeZone: rotationFields.timeZone.optional(),
    shiftLength: rotationFields.shiftLength.optional(),
    shiftUnit: rotationFields.shiftUnit.optional(),
    start: rotationFields.start.optional(),
    participants: rotationFields.participants.optional(),
    onCallNow: userId.optional().meta({
      description: 'Who takes over the shift under way (a participant after the change). Left out, whoever is on call stays on call.',
      'x-vigil-rule': 'a participant of the rotation after the change',
    }),
  })
  .meta({ description: 'The fields to change; `participants` replaces the list' });

export const RotationPath = z.object({ id: idSchema('rot', 'a rotation').meta({ description: 'The rotation id, rot_…' }) });
export const ListRotationsQuery = z.strictObject({
  key: ResourceKeySchema.optional().meta({ description: 'Only the rotation of this key.' }),
  ...pageQueryFields,
});

export const RotationSchema = z.object({
  id: z.string(),
  key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
  name: z.string(),
  timeZone: z.string(),
  shiftLength: z.int(),
  shiftUnit: z.enum(SHIFT_UNITS),
  start: timestamp,
  participants: z.array(z.string()),
  onCallNow: z
    .object({ userId: z.string(), shiftStart: timestamp, shiftEnd: timestamp })
    .nullable()
    .meta({ description: 'Whose shift it is now and when it began and ends; null before the start' }),
  createdAt: timestamp,
  updatedAt: timestamp,
});
