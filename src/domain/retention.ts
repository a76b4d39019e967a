/** How long results and their rollups are kept, in whole UTC days before today. */
export interface RetentionPolicy {
  resultDays: number;
  hourlyRollupDays: number;
  dailyRollupDays: number;
}

/** Raw results for a month; hourly rollups for a quarter (hour-precise ranges); daily ones for two years (uptime bars). */
export const DEFAULT_RETENTION: RetentionPolicy = { resultDays: 30, hourlyRollupDays: 90, dailyRollupDays: 730 };
