import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { deleteCalendarFeed, findCalendarFeed, replaceCalendarFeed, type FeedOwner } from '../../db/calendar-feeds';
import { findSchedule, schedulesOfUser } from '../../db/schedules';
import { findUser } from '../../db/users';
import { idSchema } from '../../domain/id';
import { isId } from '../../ids';
import { hashSecret } from '../auth/keys';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { scheduleShifts } from '../schedules/routes';
import { renderCalendar, type CalendarEvent } from './ical';

/**
 * iCalendar feeds of on-call shifts, per schedule and per user. Calendar apps subscribe to a URL and cannot send an API
 * key, so the URL carries the authorisation: a token of 256 random bits, shown once when the feed is made and stored
 * only as its SHA-256 (as API keys are). Making the feed again gives a new token and the old URL stops working at once;
 * deleting it stops it. Anyone holding the URL reads who is on call there, and nothing else.
 */

const DAY_MS = 86_400_000;
/** What a feed holds: the past month and the next six. */
export const FEED_PAST_DAYS = 30;
export const FEED_FUTURE_DAYS = 180;

export const calendarFeedPath = (token: string) => `/v1/public/calendars/${token}`;

const newFeedToken = () => `cal_${randomBytes(32).toString('base64url')}`;

const FeedSchema = z.object({
  url: z.string().meta({ description: 'Path of the feed (under the API origin), for a calendar app to subscribe to; shown only in this answer' }),
});
const SchedulePath = z.object({ id: idSchema('sch', 'a schedule').meta({ description: 'The schedule id, sch_…' }) });
const UserPath = z.object({ id: idSchema('usr', 'a user').meta({ description: 'The user id, usr_…' }) });
const TokenPath = z.object({ token: z.string().meta({ description: 'The token in the URL the feed was made with' }) });

const ownerOf = (kind: 'schedule' | 'user', id: string): FeedOwner => {
  if (!isId(kind === 'schedule' ? 'sch' : 'usr', id)) throw new Problem('not-found', `no ${kind} ${id}`);
  return kind === 'schedule' ? { scheduleId: id } : { userId: id };
};

const makeFeed =
  (deps: ApiDeps, kind: 'schedule' | 'user'): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const token = newFeedToken();
    if (!(await replaceCalendarFeed(deps.pool, ownerOf(kind, req.params.id), hashSecret(token)))) throw new Problem('not-found', `no ${kind} ${req.params.id}`);
    res.status(201).json({ url: calendarFeedPath(token) });
  };

const removeFeed =
  (deps: ApiDeps, kind: 'schedule' | 'user'): RequestHandler<{ id: string }> =>
  async (req, res) => {
    if (!(await deleteCalendarFeed(deps.pool, ownerOf(kind, req.params.id)))) throw new Problem('not-found', `no calendar feed for ${kind} ${req.params.id}`);
    res.status(204).end();
  };

async function scheduleEvents(deps: ApiDeps, scheduleId: string, from: number, to: number): Promise<{ name: string; events: CalendarEvent[] } | undefined> {
  const schedule = await findSchedule(deps.pool, scheduleId);
  const answer = schedule && (await scheduleShifts(deps, scheduleId, from, to));
  if (!schedule || !answer) return undefined;
  const events = answer.shifts
    .filter((s) => s.userIds.length > 0)
    .map((s) => ({
      uid: `${scheduleId}-${s.start}@vigil`,
      start: s.start,
      end: s.end,
      summary: `On call: ${s.userIds.map((id) => answer.people.get(id)?.name ?? id).join(', ')}`,
      description: `Schedule ${schedule.name}`,
    }));
  return { name: `On call: ${schedule.name}`, events };
}

/** A user's times on call in every schedule that can put them there, one event per unbroken stretch in each. */
async function userEvents(deps: ApiDeps, userId: string, from: number, to: number): Promise<{ name: string; events: CalendarEvent[] } | undefined> {
  const user = await findUser(deps.pool, userId);
  if (!user) return undefined;
  const events: CalendarEvent[] = [];
  for (const schedule of await schedulesOfUser(deps.pool, userId)) {
    const answer = await scheduleShifts(deps, schedule.id, from, to);
    for (const shift of answer?.shifts ?? []) {
      if (!shift.userIds.includes(userId)) continue;
      const last = events[events.length - 1];
      if (last?.uid.startsWith(`${schedule.id}-`) && last.end === shift.start) last.end = shift.end;
      else events.push({ uid: `${schedule.id}-${userId}-${shift.start}@vigil`, start: shift.start, end: shift.end, summary: `On call: ${schedule.name}` });
    }
  }
  return { name: `On call: ${user.name}`, events };
}

/** GET /v1/public/calendars/:token: the feed the token was made for, or 404 (for an unknown or replaced token alike). */
const readFeed =
  (deps: ApiDeps): RequestHandler<{ token: string }> =>
  async (req, res) => {
    const feed = /^cal_[A-Za-z0-9_-]{43}$/.test(req.params.token) ? await findCalendarFeed(deps.pool, hashSecret(req.params.token)) : undefined;
    if (!feed) throw new Problem('not-found', 'no such calendar feed');
    const now = Date.now();
    const [from, to] = [now - FEED_PAST_DAYS * DAY_MS, now + FEED_FUTURE_DAYS * DAY_MS];
    const calendar = 'scheduleId' in feed ? await scheduleEvents(deps, feed.scheduleId, from, to) : await userEvents(deps, feed.userId, from, to);
    if (!calendar) throw new Problem('not-found', 'no such calendar feed');
    // Names of people: private to whoever holds the URL, never kept by a shared cache.
    res
      .set('Cache-Control', 'private, max-age=300')
      .type('text/calendar; charset=utf-8')
      .send(renderCalendar(calendar.name, calendar.events, now));
  };

export function calendarRoutes(deps: ApiDeps): Operation[] {
  const feedMade = {
    201: { description: 'The feed, with its new URL; a URL made before stops working', body: FeedSchema },
  };
  const manage = (kind: 'schedule' | 'user', params: z.ZodObject, tag: string): Operation[] => [
    {
      method: 'post',
      path: `/v1/${kind}s/:id/calendar-feed`,
      tag,
      access: 'responder',
      summary: `Make (or remake) the ${kind}'s iCalendar feed`,
      description:
        `A URL a calendar app subscribes to without a key: ${kind === 'schedule' ? 'the shifts, with who is on call' : "the user's times on call in every schedule"}, ` +
        `from ${FEED_PAST_DAYS} days ago to ${FEED_FUTURE_DAYS} days ahead. The URL holds a secret token, shown only in this answer; ` +
        'making the feed again replaces it, and the old URL stops working.',
      params,
      idempotent: false,
      responses: feedMade,
      handler: makeFeed(deps, kind),
    },
    {
      method: 'delete',
      path: `/v1/${kind}s/:id/calendar-feed`,
      tag,
      access: 'responder',
      summary: `Stop the ${kind}'s iCalendar feed`,
      description: 'Its URL stops working at once.',
      params,
      responses: { 204: { description: 'Stopped' } },
      handler: removeFeed(deps, kind),
    },
  ];
  return [
    ...manage('schedule', SchedulePath, 'Schedules'),
    ...manage('user', UserPath, 'Users'),
    {
      method: 'get',
      path: '/v1/public/calendars/:token',
      tag: 'Public',
      access: 'public',
      summary: 'Read an iCalendar feed of on-call shifts',
      description: 'No key: the token in the URL is the authorisation (make one with POST /v1/schedules/{id}/calendar-feed or /v1/users/{id}/calendar-feed).',
      params: TokenPath,
      responses: { 200: { description: 'text/calendar (RFC 5545)' } },
      handler: readFeed(deps),
    },
  ];
}
