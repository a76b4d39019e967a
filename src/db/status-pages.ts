import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';
import type { MaintenanceWindow } from '../domain/target';
import { newId } from '../ids';

/** Status pages: named groups of targets that the public reads, and the reads that serve them. */

export interface StatusPageTargetRecord {
  targetId: string;
  /** The name the public sees; the target's own name when null. */
  displayName: string | null;
  /** The target's own name. */
  name: string;
}

/** A link in a page's header. */
export interface StatusPageLink {
  label: string;
  url: string;
}

export interface StatusPageRecord {
  id: string;
  slug: string;
  title: string;
  description: string;
  logoUrl: string | null;
  links: StatusPageLink[];
  targets: StatusPageTargetRecord[];
  createdAt: Date;
  updatedAt: Date;
}

export interface StatusPageFields {
  slug: string;
  title: string;
  description: string;
  logoUrl: string | null;
  links: StatusPageLink[];
  targets: { targetId: string; displayName?: string | null }[];
}

export class SlugTakenError extends Error {
  override name = 'SlugTakenError';
}

/** The page already shows as many targets as it may. */
export class PageFullError extends Error {
  override name = 'PageFullError';
}

/** Some of the targets named do not exist (`missing` lists them, when known). */
export class UnknownTargetsError extends Error {
  override name = 'UnknownTargetsError';
  constructor(readonly missing: string[]) {
    super(`no such targets: ${missing.join(', ')}`);
  }
}

const SELECT_PAGES = `
  SELECT p.id, p.slug, p.title, p.description, p.logo_url AS "logoUrl", p.links, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
         coalesce(json_agg(json_build_object('targetId', pt.target_id, 'displayName', pt.display_name, 'name', t.name)
                           ORDER BY pt.position, pt.target_id) FILTER (WHERE pt.target_id IS NOT NULL), '[]') AS targets
  FROM status_pages p
  LEFT JOIN status_page_targets pt ON pt.status_page_id = p.id
  LEFT JOIN targets t ON t.id = pt.target_id`;

async function readPage(db: Pool | PoolClient, id: string): Promise<StatusPageRecord | undefined> {
  const { rows } = await db.query<StatusPageRecord>(`${SELECT_PAGES} WHERE p.id = $1 GROUP BY p.id`, [id]);
  return rows[0];
}

export const getStatusPage = (pool: Pool, id: string) => readPage(pool, id);

/** Newest first, `limit` pages with ids below `before`. */
export async function listStatusPages(pool: Pool, opts: { before?: string; limit: number }): Promise<StatusPageRecord[]> {
  const { rows } = await pool.query<StatusPageRecord>(`${SELECT_PAGES} WHERE ($1::text IS NULL OR p.id < $1) GROUP BY p.id ORDER BY p.id DESC LIMIT $2`, [
    opts.before ?? null,
    opts.limit,
  ]);
  return rows;
}

/** Runs `work` in a transaction, turning a taken slug or a missing target into typed errors. */
async function inPageTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  try {
    return await inTransaction(pool, work);
  } catch (err) {
    const { code, constraint } = err as { code?: string; constraint?: string };
    if (code === '23505' && constraint === 'status_pages_slug_key') throw new SlugTakenError('slug taken');
    // A target deleted between our check and our insert.
    if (code === '23503' && constraint === 'status_page_targets_target_id_fkey') throw new UnknownTargetsError([]);
    throw err;
  }
}

/** Replaces the page's targets, in the order given. */
async function setTargets(client: PoolClient, pageId: string, targets: StatusPageFields['targets']): Promise<void> {
  const ids = targets.map((t) => t.targetId);
  const { rows } = await client.query<{ id: string }>('SELECT id FROM targets WHERE id = ANY($1)', [ids]);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new UnknownTargetsError(missing);
  await client.query('DELETE FROM status_page_targets WHERE status_page_id = $1', [pageId]);
  await client.query(
    `INSERT INTO status_page_targets (status_page_id, target_id, display_name, position)
     SELECT $1, target_id, display_name, position - 1 FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(target_id, display_name, position)`,
    [pageId, ids, targets.map((t) => t.displayName ?? null)],
  );
}

export async function createStatusPage(pool: Pool, fields: StatusPageFields): Promise<StatusPageRecord> {
  return inPageTransaction(pool, async (client) => {
    const id = newId('stp');
    await client.query('INSERT INTO status_pages (id, slug, title, description, logo_url, links) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      fields.slug,
      fields.title,
      fields.description,
      fields.logoUrl,
      JSON.stringify(fields.links),
    ]);
    await setTargets(client, id, fields.targets);
    return (await readPage(client, id))!;
  });
}

/**
 * Changes the fields given; `targets`, when given, replaces the list, and a `logoUrl` of null removes the logo.
 * Undefined when there is no such page.
 */
export async function updateStatusPage(pool: Pool, id: string, fields: Partial<StatusPageFields>): Promise<StatusPageRecord | undefined> {
  return inPageTransaction(pool, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE status_pages SET slug = coalesce($2, slug), title = coalesce($3, title),
              description = coalesce($4, description), logo_url = CASE WHEN $5 THEN $6 ELSE logo_url END,
              links = coalesce($7, links), updated_at = now()
       WHERE id = $1`,
      [
        id,
        fields.slug ?? null,
        fields.title ?? null,
        fields.description ?? null,
        fields.logoUrl !== undefined,
        fields.logoUrl ?? null,
        fields.links ? JSON.stringify(fields.links) : null,
      ],
    );
    if (rowCount === 0) return undefined;
    if (fields.targets) await setTargets(client, id, fields.targets);
    return readPage(client, id);
  });
}

export async function deleteStatusPage(pool: Pool, id: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM status_pages WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/** Puts a target on the page (last), or changes the name it shows there. Undefined when there is no such page. */
export async function putStatusPageTarget(
  pool: Pool,
  id: string,
  target: { targetId: string; displayName: string | null },
  maxTargets: number,
): Promise<StatusPageRecord | undefined> {
  return inPageTransaction(pool, async (client) => {
    // Locks the page, so that targets added at once get positions of their own and never exceed the limit together.
    const { rowCount } = await client.query('UPDATE status_pages SET updated_at = now() WHERE id = $1', [id]);
    if (rowCount === 0) return undefined;
    const { rowCount: found } = await client.query('SELECT 1 FROM targets WHERE id = $1', [target.targetId]);
    if (found === 0) throw new UnknownTargetsError([target.targetId]);
    const { rows } = await client.query<{ shown: number; present: boolean }>(
      'SELECT count(*)::int AS shown, bool_or(target_id = $2) AS present FROM status_page_targets WHERE status_page_id = $1',
      [id, target.targetId],
    );
    if (!rows[0]!.present && rows[0]!.shown >= maxTargets) throw new PageFullError(`a status page shows at most ${maxTargets} targets`);
    await client.query(
      `INSERT INTO status_page_targets (status_page_id, target_id, display_name, position)
       SELECT $1, $2, $3, coalesce(max(position) + 1, 0) FROM status_page_targets WHERE status_page_id = $1
       ON CONFLICT (status_page_id, target_id) DO UPDATE SET display_name = excluded.display_name`,
      [id, target.targetId, target.displayName],
    );
    return readPage(client, id);
  });
}

/** Takes a target off the page: `no-page`, `not-on-page` or `removed`. */
export async function removeStatusPageTarget(pool: Pool, id: string, targetId: string): Promise<'no-page' | 'not-on-page' | 'removed'> {
  return inPageTransaction(pool, async (client) => {
    const { rowCount } = await client.query('UPDATE status_pages SET updated_at = now() WHERE id = $1', [id]);
    if (rowCount === 0) return 'no-page';
    const removed = await client.query('DELETE FROM status_page_targets WHERE status_page_id = $1 AND target_id = $2', [id, targetId]);
    return removed.rowCount === 0 ? 'not-on-page' : 'removed';
  });
}

export interface PublicTarget {
  targetId: string;
  /** The name the page shows: its display name there, else the target's own. */
  name: string;
  state: string;
  since: Date | null;
  intervalSeconds: number;
  maintenance: MaintenanceWindow[];
}

export interface PublicStatusPage {
  slug: string;
  title: string;
  description: string;
  logoUrl: string | null;
  links: StatusPageLink[];
  updatedAt: Date;
  targets: PublicTarget[];
}

export interface PublicIncident {
  id: string;
  targetId: string;
  state: string;
  reason: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /** Responders' notes marked public, oldest first. */
  publicNotes: { at: string; message: string }[];
}

/** The page by its slug with each target's public name, current state and maintenance windows: one query over unique and primary keys. */
export async function readPublicStatusPage(pool: Pool, slug: string): Promise<PublicStatusPage | undefined> {
  const { rows } = await pool.query<Omit<PublicStatusPage, 'targets'> & { targets: (Omit<PublicTarget, 'since'> & { since: string | null })[] }>(
    `SELECT p.slug, p.title, p.description, p.logo_url AS "logoUrl", p.links, p.updated_at AS "updatedAt",
            coalesce(json_agg(json_build_object('targetId', t.id, 'name', coalesce(pt.display_name, t.name),
                                                'state', coalesce(s.state, 'unknown'), 'since', s.state_since,
                                                'intervalSeconds', t.interval_seconds,
                                                'maintenance', coalesce(t.spec->'maintenance', '[]'))
                              ORDER BY pt.position, pt.target_id) FILTER (WHERE t.id IS NOT NULL), '[]') AS targets
     FROM status_pages p
     LEFT JOIN status_page_targets pt ON pt.status_page_id = p.id
     LEFT JOIN targets t ON t.id = pt.target_id
     LEFT JOIN target_status s ON s.target_id = t.id
     WHERE p.slug = $1
     GROUP BY p.id`,
    [slug],
  );
  const page = rows[0];
  return page && { ...page, targets: page.targets.map((t) => ({ ...t, since: t.since === null ? null : new Date(t.since) })) };
}

/**
 * The incidents of these targets that are open, or resolved since `resolvedSince`, with their public notes: the
 * partial index on open incidents and the (target, opened_at) index find them, the timeline's primary key their notes.
 * Oldest first.
 */
export async function readPublicIncidents(pool: Pool, targetIds: readonly string[], resolvedSince: Date): Promise<PublicIncident[]> {
  const { rows } = await pool.query<PublicIncident>(
    `SELECT i.id, i.target_id AS "targetId", i.state, i.reason, i.opened_at AS "openedAt", i.acknowledged_at AS "acknowledgedAt",
            i.resolved_at AS "resolvedAt", coalesce(n.notes, '[]') AS "publicNotes"
     FROM incidents i
     LEFT JOIN LATERAL (
       SELECT json_agg(json_build_object('at', e.at, 'message', e.message) ORDER BY e.seq) AS notes
       FROM incident_events e
       WHERE e.incident_id = i.id AND e.kind = 'note' AND e.data->>'public' = 'true'
     ) n ON true
     WHERE i.target_id = ANY($1)
       AND (i.state <> 'resolved' OR (i.opened_at >= $2::timestamptz - interval '90 days' AND i.resolved_at >= $2))
     ORDER BY i.opened_at, i.id`,
    [targetIds, resolvedSince],
  );
  return rows;
}

/**
 * A target that some status page shows, as the public sees it there (its display name on the first page, by when the
 * page was made, that shows it); undefined for a target no page shows.
 */
export async function readPublicTarget(pool: Pool, targetId: string): Promise<{ name: string; state: string } | undefined> {
  const { rows } = await pool.query<{ name: string; state: string }>(
    `SELECT coalesce(pt.display_name, t.name) AS name, coalesce(s.state, 'unknown') AS state
     FROM status_page_targets pt
     JOIN status_pages p ON p.id = pt.status_page_id
     JOIN targets t ON t.id = pt.target_id
     LEFT JOIN target_status s ON s.target_id = t.id
     WHERE pt.target_id = $1
     ORDER BY p.created_at, p.id
     LIMIT 1`,
    [targetId],
  );
  return rows[0];
}
