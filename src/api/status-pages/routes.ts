import type { RequestHandler } from 'express';
import { z } from 'zod';
import {
  createStatusPage,
  deleteStatusPage,
  getStatusPage,
  listStatusPages,
  PageFullError,
  putStatusPageTarget,
  removeStatusPageTarget,
  SlugTakenError,
  UnknownTargetsError,
  updateStatusPage,
  type StatusPageRecord,
} from '../../db/status-pages';
import { idSchema } from '../../domain/id';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { idCursor, pageQueryFields, pageSchema, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { feedPath, htmlStatusPagePath, publicStatusPagePath } from '../public/paths';
import { CreateStatusPageBody, MAX_TARGETS_PER_PAGE, PutTargetBody, UpdateStatusPageBody } from './schema';

const StatusPagePath = z.object({ id: idSchema('stp', 'a status page').meta({ description: 'The status page id, stp_…' }) });
const StatusPageTargetPath = StatusPagePath.extend({ targetId: idSchema('tgt', 'a target').meta({ description: 'The target id, tgt_…' }) });
const ListStatusPagesQuery = z.strictObject(pageQueryFields);

const timestamp = z.iso.datetime({ offset: true });
const StatusPageSchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  logoUrl: z.string().nullable(),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  publicUrl: z.string().meta({ description: 'Where the public reads the page as JSON, without a key' }),
  pageUrl: z.string().meta({ description: 'Where people read the page, as HTML' }),
  feedUrl: z.string().meta({ description: "The page's Atom feed of incidents and maintenance" }),
  targets: z.array(z.object({ targetId: z.string(), name: z.string().meta({ description: "The target's own name" }), displayName: z.string().nullable() })),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const represent = (page: StatusPageRecord) => ({
  id: page.id,
  slug: page.slug,
  title: page.title,
  description: page.description,
  logoUrl: page.logoUrl,
  links: page.links,
  publicUrl: publicStatusPagePath(page.slug),
  pageUrl: htmlStatusPagePath(page.slug),
  feedUrl: feedPath(page.slug),
  targets: page.targets,
  createdAt: page.createdAt,
  updatedAt: page.updatedAt,
});

/** Typed storage errors as the problems a client can act on, naming the field at fault. */
async function storing<T>(write: Promise<T>, targets?: readonly { targetId: string }[]): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof SlugTakenError) throw new Problem('conflict', 'another status page has this slug');
    if (err instanceof PageFullError) throw new Problem('unprocessable', err.message);
    if (err instanceof UnknownTargetsError) {
      const errors = err.missing.map((id) => {
        const i = targets?.findIndex((t) => t.targetId === id) ?? -1;
        return { field: i >= 0 ? `targets.${i}.targetId` : 'targetId', message: `no target ${id}` };
      });
      throw new Problem('unprocessable', errors.length > 0 ? `no such target: ${err.missing.join(', ')}` : 'a target was deleted meanwhile', { errors });
    }
    throw err;
  }
}

const found = (id: string, page: StatusPageRecord | undefined): StatusPageRecord => {
  if (!page) throw new Problem('not-found', `no status page ${id}`);
  return page;
};

const pageId = (id: string): string => {
  if (!isId('stp', id)) throw new Problem('not-found', `no status page ${id}`);
  return id;
};

const create =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const body = validated(CreateStatusPageBody, req.body);
    const page = await storing(createStatusPage(deps.pool, body), body.targets);
    res.status(201).location(`/v1/status-pages/${page.id}`).json(represent(page));
  };

const list =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const query = validated(ListStatusPagesQuery, req.query, 'query');
    const rows = await listStatusPages(deps.pool, { before: query.cursor, limit: query.limit + 1 });
    sendPage(req, res, rows, query.limit, represent, idCursor);
  };

const get =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = pageId(req.params.id);
    res.json(represent(found(id, await getStatusPage(deps.pool, id))));
  };

const update =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = pageId(req.params.id);
    const body = validated(UpdateStatusPageBody, req.body);
    res.json(represent(found(id, await storing(updateStatusPage(deps.pool, id, body), body.targets))));
  };

const remove =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = pageId(req.params.id);
    if (!(await deleteStatusPage(deps.pool, id))) throw new Problem('not-found', `no status page ${id}`);
    res.status(204).end();
  };

const putTarget =
  (deps: ApiDeps): RequestHandler<{ id: string; targetId: string }> =>
  async (req, res) => {
    const id = pageId(req.params.id);
    const body = validated(PutTargetBody, req.body);
    const { targetId } = req.params;
    const page = putStatusPageTarget(deps.pool, id, { targetId, displayName: body.displayName }, MAX_TARGETS_PER_PAGE);
    res.json(represent(found(id, await storing(page))));
  };

const removeTarget =
  (deps: ApiDeps): RequestHandler<{ id: string; targetId: string }> =>
  async (req, res) => {
    const id = pageId(req.params.id);
    const outcome = await removeStatusPageTarget(deps.pool, id, req.params.targetId);
    if (outcome === 'no-page') throw new Problem('not-found', `no status page ${id}`);
    if (outcome === 'not-on-page') throw new Problem('not-found', `target ${req.params.targetId} is not on status page ${id}`);
    res.status(204).end();
  };

/** Managing status pages takes an admin's key; reading their configuration a viewer's. The public reads them elsewhere. */
export function statusPageRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Status pages';
  const page = { description: 'The status page', body: StatusPageSchema };
  return [
    {
      method: 'post',
      path: '/v1/status-pages',
      tag,
      access: 'admin',
      summary: 'Create a status page',
      description: `A named group of targets (at most ${MAX_TARGETS_PER_PAGE}) that the public reads, without a key, at its publicUrl.`,
      body: CreateStatusPageBody,
      responses: {
        201: { ...page, headers: { Location: 'The status page URL' } },
        422: { description: 'A target in `targets` does not exist (`errors` names it)' },
      },
      handler: create(deps),
    },
    {
      method: 'get',
      path: '/v1/status-pages',
      tag,
      access: 'viewer',
      summary: 'List status pages',
      description: 'Newest first, with cursor pagination.',
      query: ListStatusPagesQuery,
      responses: { 200: { description: 'A page of status pages', body: pageSchema(StatusPageSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: list(deps),
    },
    {
      method: 'get',
      path: '/v1/status-pages/:id',
      tag,
      access: 'viewer',
      summary: 'Get a status page',
      params: StatusPagePath,
      responses: { 200: page },
      handler: get(deps),
    },
    {
      method: 'patch',
      path: '/v1/status-pages/:id',
      tag,
      access: 'admin',
      summary: 'Change a status page',
      params: StatusPagePath,
      body: UpdateStatusPageBody,
      responses: { 200: page, 404: { description: 'No such status page' }, 422: { description: 'A target in `targets` does not exist (`errors` names it)' } },
      handler: update(deps),
    },
    {
      method: 'delete',
      path: '/v1/status-pages/:id',
      tag,
      access: 'admin',
      summary: 'Delete a status page',
      params: StatusPagePath,
      responses: { 204: { description: 'Deleted' } },
      handler: remove(deps),
    },
    {
      method: 'put',
      path: '/v1/status-pages/:id/targets/:targetId',
      tag,
      access: 'admin',
      summary: 'Show a target on a status page',
      description: 'Adds it last, or changes the name it shows there. Adding it again changes nothing more.',
      params: StatusPageTargetPath,
      body: PutTargetBody,
      responses: {
        200: page,
        404: { description: 'No such status page' },
        422: { description: `No such target, or the page already shows ${MAX_TARGETS_PER_PAGE} targets` },
      },
      handler: putTarget(deps),
    },
    {
      method: 'delete',
      path: '/v1/status-pages/:id/targets/:targetId',
      tag,
      access: 'admin',
      summary: 'Take a target off a status page',
      params: StatusPageTargetPath,
      responses: { 204: { description: 'Removed' } },
      handler: removeTarget(deps),
    },
  ];
}
