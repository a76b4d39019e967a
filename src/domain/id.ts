import { z } from 'zod';
import { idPattern, type IdPrefix } from '../ids';

/** A field holding an id of this kind, e.g. `idSchema('chn', 'a channel')`; its pattern is in the OpenAPI document. */
export const idSchema = (prefix: IdPrefix, what: string) => z.string().regex(idPattern(prefix), `not ${what} id (${prefix}_…)`);
