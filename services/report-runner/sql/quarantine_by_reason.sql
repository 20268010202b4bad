-- name: quarantine_by_reason
-- description: Per hour received, the records the pipeline rejected, by the hop that rejected them
--   (source) and why (reason), counted once each through the quarantine view (QUARANTINE_VIEW in
--   shared/src/contracts/quarantine.ts) over every error prefix.
-- output: one row per source and reason with rejections in the hour, ordered by source and reason;
--   no rows for an hour without rejections. A record without a reason is counted under "(none)".
-- warehouse_table: report_quarantine_by_reason
-- key_columns: dt, hour, source, reason
-- parameters: dt, hour
-- columns:
--   dt date
--   hour string
--   source string
--   reason string
--   rejected bigint

-- The view's dt and hour are the partition the rejecting hop wrote: the hour the record was
-- received, as for the lake's reports.
SELECT
  source,
  COALESCE(reason, '(none)') AS reason,
  count(*) AS rejected
FROM quarantine
WHERE dt = ? AND hour = ?
GROUP BY source, COALESCE(reason, '(none)')
ORDER BY source, reason
