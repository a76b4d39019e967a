-- The channel kinds of issue 19 (src/domain/escalation.ts CHANNEL_KINDS).
--
-- Secrets at rest need no column of their own: a sealed secret is a string (src/codec/secrets.ts) and sits where the
-- clear one did, in channels.config, targets.spec (probe headers) and probe_windows.input. Rows written before
-- sealing existed hold their secrets in clear: they are read as they are, sealed at their next write, and
-- `npm run reseal-secrets` seals them all at once (SQL cannot: the keys are not the database's). See README, Security.
ALTER TABLE "channels" DROP CONSTRAINT "channels_kind_check";
ALTER TABLE "channels" ADD CONSTRAINT "channels_kind_check" CHECK (
  "kind" IN ('webhook', 'slack', 'email', 'pagerduty', 'opsgenie', 'teams', 'discord', 'telegram', 'ntfy', 'pushover', 'mattermost')
);
