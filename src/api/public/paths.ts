import { z } from 'zod';

/** Where the public reads a status page and what it shows: stable addresses, linked from one another. */
export const publicStatusPagePath = (slug: string): string => `/v1/public/status-pages/${slug}`;
export const htmlStatusPagePath = (slug: string): string => `/status/${slug}`;
export const feedPath = (slug: string): string => `/status/${slug}/feed.atom`;
export const statusBadgePath = (targetId: string): string => `/badge/${targetId}/status.svg`;
export const uptimeBadgePath = (targetId: string): string => `/badge/${targetId}/uptime-30d.svg`;

export const PublicPath = z.object({ slug: z.string().meta({ description: "The status page's slug" }) });
