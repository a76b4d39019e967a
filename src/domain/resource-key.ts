import { z } from 'zod';

/**
 * The stable name a configuration file gives a target, channel or escalation policy: `vigil apply` matches the file's
 * entries to the server's resources by it, so renaming an entry's `name` is a change, not a delete and a create.
 * Unique per kind; optional, since resources made through the API alone need none.
 */
export const ResourceKeySchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/, 'a key is 1 to 100 lowercase letters, digits, dots, underscores and inner hyphens, e.g. "api-health"')
  .meta({ description: 'A stable name for configuration files (`vigil apply`); unique among resources of its kind' });

/** The key field of a body and of what is stored: absent or null for none. */
export const resourceKeyField = ResourceKeySchema.nullable().optional();
