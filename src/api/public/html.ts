import { createHash } from 'node:crypto';
import { escapeMarkup as e } from './markup';
import { feedPath, publicStatusPagePath } from './paths';
import { type PublicIncidentView, type PublicStatusPageView, RESOLVED_SHOWN_DAYS, UPTIME_DAYS } from './projection';

/**
 * A status page as HTML, rendered on the server from the public projection: no script, one inline style sheet (allowed
 * by its hash in the Content-Security-Policy), readable at phone and desktop widths and in light and dark colour
 * schemes. Colours are GitHub Primer's, whose text pairs meet WCAG 2.1 AA (4.5:1) on both backgrounds.
 */

/** Days of bars shown below PHONE_WIDTH: the most recent ones, so each bar stays wide enough to point at. */
const PHONE_DAYS = 30;
const PHONE_WIDTH = '40rem';

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;
--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;--maint:#0969da;--none:#d1d9e0;--partial:#fb8f44}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#f0f6fc;--muted:#9198a1;--line:#3d444d;--card:#151b23;
--up:#3fb950;--degraded:#d29922;--down:#f85149;--maint:#4493f8;--none:#3d444d;--partial:#db6d28}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:56rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;margin-bottom:1.5rem}
header .logo{height:2.5rem;width:auto}
h1{font-size:1.6rem;margin:0;flex:1 1 auto}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:0}
a{color:var(--maint)}
.desc{margin:.25rem 0 0;color:var(--muted);flex-basis:100%}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
.overall{border-radius:.5rem;padding:1rem 1.25rem;font-size:1.15rem;font-weight:600;color:#fff;margin:0}
.overall.operational{background:#1a7f37}.overall.degraded{background:#9a6700}.overall.outage{background:#cf222e}.overall.maintenance{background:#0969da}
.list{list-style:none;margin:0;padding:0;border:1px solid var(--line);border-radius:.5rem}
.list>li{padding:1rem 1.25rem;border-top:1px solid var(--line)}
.list>li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;flex-wrap:wrap}
.state{font-weight:600}
.s-up{color:var(--up)}.s-degraded{color:var(--degraded)}.s-down{color:var(--down)}.s-maintenance{color:var(--maint)}.s-paused,.s-unknown{color:var(--muted)}
.bars{display:flex;gap:2px;height:2.25rem;margin:.75rem 0 .25rem}
.bars span{flex:1;border-radius:2px;background:var(--none)}
.b.u{background:var(--up)}.b.g{background:var(--degraded)}.b.p{background:var(--partial)}.b.d{background:var(--down)}.b.n{background:var(--none)}
.axis{display:flex;justify-content:space-between;color:var(--muted);font-size:.85rem}
.phone{display:none}
@media (max-width:${PHONE_WIDTH}){.bars span:nth-child(-n+${UPTIME_DAYS - PHONE_DAYS}){display:none}.phone{display:inline}.desk{display:none}}
.incident{padding:1rem 1.25rem}
.updates{list-style:none;margin:.5rem 0 0;padding:0}
.updates li{margin:.25rem 0}
.muted{color:var(--muted)}
time{white-space:nowrap}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;padding:0;margin:0 0 1rem;font-size:.9rem;color:var(--muted)}
.legend .b{display:inline-block;width:.75rem;height:.75rem;border-radius:2px;vertical-align:-.05rem;margin-right:.35rem}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
footer p{margin:.25rem 0}
`.trim();

/**
 * The Content-Security-Policy of the page: nothing but its own style sheet, an operator's https logo, and its inline
 * favicon (a data: URL, so a browser asks no /favicon.ico that Vigil would answer 404).
 */
export const HTML_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  'img-src https: data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATE_LABELS: Record<PublicStatusPageView['targets'][number]['state'], string> = {
  up: 'Operational',
  degraded: 'Degraded performance',
  down: 'Outage',
  maintenance: 'Under maintenance',
  paused: 'Not monitored',
  unknown: 'No data yet',
};

const INCIDENT_LABELS: Record<PublicIncidentView['status'], string> = { investigating: 'Investigating', identified: 'Identified', resolved: 'Resolved' };

/** A dot of the overall state's colour: the browser tab says how things are. */
const FAVICON_COLOURS: Record<PublicStatusPageView['status'], string> = { operational: '1a7f37', degraded: '9a6700', outage: 'cf222e', maintenance: '0969da' };
const favicon = (status: PublicStatusPageView['status']) =>
  `<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23${FAVICON_COLOURS[status]}'/%3E%3C/svg%3E">`;

function overallLabel(view: PublicStatusPageView): string {
  switch (view.status) {
    case 'operational':
      return 'All systems operational';
    case 'degraded':
      return 'Some systems are degraded';
    case 'maintenance':
      return 'Maintenance in progress';
    case 'outage':
      return view.targets.every((t) => t.state === 'down') ? 'Major outage' : 'Partial outage';
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `<time>` of an ISO instant, shown in UTC as "6 Dec 2026, 14:05 UTC" (no script to show local time). */
function time(iso: string): string {
  const d = new Date(iso);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `<time datetime="${iso}">${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hhmm} UTC</time>`;
}

/** Probes of `intervalSeconds` as a time: "0 min", "<1 min", "42 min", "3 h 5 min". */
function duration(probes: number, intervalSeconds: number): string {
  const minutes = (probes * intervalSeconds) / 60;
  if (minutes === 0) return '0 min';
  if (minutes < 1) return '<1 min';
  const whole = Math.round(minutes);
  return whole < 60 ? `${whole} min` : `${Math.floor(whole / 60)} h ${whole % 60} min`;
}

/** Uptime (given to three decimals) to two, rounded down so that a day with any downtime never reads 100 %. */
const percent = (uptime: number): string => `${Math.floor(Math.round(uptime * 1000) / 10) / 100} %`;

type Day = PublicStatusPageView['targets'][number]['days'][number];

/** A day's colour: no data, no trouble, degraded only, a little downtime (99 % up or more), or more. */
function dayClass(d: Day): string {
  if (d.uptimePercent === null) return 'n';
  if (d.down > 0) return d.uptimePercent >= 99 ? 'p' : 'd';
  return d.degraded > 0 ? 'g' : 'u';
}

function bar(d: Day, intervalSeconds: number): string {
  const figures =
    d.uptimePercent === null
      ? 'no data'
      : `${percent(d.uptimePercent)} uptime, ${duration(d.down, intervalSeconds)} down, ${duration(d.degraded, intervalSeconds)} degraded`;
  return `<span class="b ${dayClass(d)}" title="${d.date}: ${figures}"></span>`;
}

function target(t: PublicStatusPageView['targets'][number]): string {
  const uptime = t.uptimePercent === null ? 'no data yet' : `${percent(t.uptimePercent)} uptime`;
  const bars = t.days.map((d) => bar(d, t.probeIntervalSeconds)).join('');
  const name = e(t.name);
  return (
    `<li><div class="row"><h3>${name}</h3><span class="state s-${t.state}">${STATE_LABELS[t.state]}</span></div>` +
    `<div class="bars" role="img" aria-label="${name}: ${uptime} over the last ${UPTIME_DAYS} days">${bars}</div>` +
    `<div class="axis"><span><span class="desk">${UPTIME_DAYS} days ago</span><span class="phone">${PHONE_DAYS} days ago</span></span>` +
    `<span>${uptime}</span><span>Today</span></div></li>`
  );
}

function incident(i: PublicIncidentView): string {
  const updates = i.updates
    .map((u) => `<li><strong>${INCIDENT_LABELS[u.status]}</strong>: ${e(u.message)} <span class="muted">${time(u.at)}</span></li>`)
    .join('');
  const title = i.status === 'resolved' ? e(i.target) : `${e(i.target)}: ${INCIDENT_LABELS[i.status].toLowerCase()}`;
  return `<li class="incident"><h3>${title}</h3><ol class="updates">${updates}</ol></li>`;
}

function maintenance(view: PublicStatusPageView, now: number): string {
  if (view.maintenance.length === 0) return '';
  const items = view.maintenance.map((m) => {
    const ongoing = Date.parse(m.startsAt) <= now ? ' <strong>(in progress)</strong>' : '';
    return `<li><h3>${e(m.target)}</h3><p class="updates">From ${time(m.startsAt)} to ${time(m.endsAt)}${ongoing}</p></li>`;
  });
  return `<section aria-labelledby="maintenance"><h2 id="maintenance">Scheduled maintenance</h2><ul class="list">${items.join('')}</ul></section>`;
}

function header(view: PublicStatusPageView): string {
  const logo = view.logoUrl ? `<img class="logo" src="${e(view.logoUrl)}" alt="">` : '';
  const description = view.description ? `<p class="desc">${e(view.description)}</p>` : '';
  const links =
    view.links.length > 0
      ? `<nav aria-label="Links"><ul>${view.links.map((l) => `<li><a href="${e(l.url)}" rel="noopener">${e(l.label)}</a></li>`).join('')}</ul></nav>`
      : '';
  return `<header>${logo}<h1>${e(view.title)}</h1>${links}${description}</header>`;
}

const LEGEND =
  '<ul class="legend" aria-label="Legend of the daily bars">' +
  '<li><span class="b u"></span>No downtime</li><li><span class="b g"></span>Degraded</li>' +
  '<li><span class="b p"></span>Some downtime (99 % up or more)</li><li><span class="b d"></span>Downtime</li>' +
  '<li><span class="b n"></span>No data</li></ul>';

/** The whole page; `now` decides which maintenance is in progress. */
export function renderStatusPageHtml(view: PublicStatusPageView, now = Date.now()): string {
  const title = e(view.title);
  const active =
    view.incidents.length > 0
      ? `<section aria-labelledby="active"><h2 id="active">Active incidents</h2><ul class="list">${view.incidents.map(incident).join('')}</ul></section>`
      : '';
  const past =
    view.resolvedIncidents.length > 0
      ? `<ul class="list">${view.resolvedIncidents.map(incident).join('')}</ul>`
      : '<p class="muted">No incidents reported.</p>';
  const targets = view.targets.length > 0 ? `<ul class="list">${view.targets.map(target).join('')}</ul>` : '<p class="muted">No services listed yet.</p>';
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">' +
    `<title>${title}</title>${view.description ? `<meta name="description" content="${e(view.description)}">` : ''}` +
    `${favicon(view.status)}<link rel="alternate" type="application/atom+xml" title="${title}" href="${feedPath(view.slug)}">` +
    `<style>${STYLE}</style></head><body><div class="wrap">${header(view)}<main>` +
    `<p class="overall ${view.status}">${overallLabel(view)}</p>${active}${maintenance(view, now)}` +
    `<section aria-labelledby="services"><h2 id="services">Services</h2>${LEGEND}${targets}</section>` +
    `<section aria-labelledby="past"><h2 id="past">Past incidents (last ${RESOLVED_SHOWN_DAYS} days)</h2>${past}</section></main>` +
    `<footer><p>Times are in UTC. Each bar is one UTC day; point at it for its figures.</p>` +
    `<p>Subscribe: <a href="${feedPath(view.slug)}">Atom feed</a> · <a href="${publicStatusPagePath(view.slug)}">JSON</a> · Powered by Vigil</p></footer>` +
    '</div></body></html>'
  );
}
