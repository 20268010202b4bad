-- name: data_quality
-- description: Per hour: records stored, distinct readings, duplicated event_ids and the extra
--   copies they caused, late records (stored more than lateAfterSeconds after their event time)
--   and the worst lateness, and active devices.
-- output: exactly one row per hour, also for an hour without records (all counts 0).
-- warehouse_table: report_data_quality
-- key_columns: dt, hour
-- parameters: dt, hour, late_after_seconds
-- columns:
--   dt date
--   hour string
--   records bigint
--   readings bigint
--   duplicate_event_ids bigint
--   duplicate_records bigint
--   late_records bigint
--   max_lateness_seconds double
--   devices bigint

-- count(CASE ...) rather than count_if: DuckDB's count_if of no rows is NULL, Trino's is 0.
WITH records AS (
  SELECT
    event_id,
    device_id,
    to_unixtime(ingest_time) - to_unixtime(event_time) AS lateness_seconds
  FROM telemetry
  WHERE dt = ? AND hour = ?
),
copies AS (
  SELECT event_id, count(*) AS copies
  FROM records
  GROUP BY event_id
),
record_stats AS (
  SELECT
    count(*) AS records,
    count(DISTINCT device_id) AS devices,
    max(lateness_seconds) AS max_lateness_seconds
  FROM records
),
-- Filtered in a WHERE clause: Athena takes ? parameters nowhere else.
late_stats AS (
  SELECT count(*) AS late_records
  FROM records
  WHERE lateness_seconds > ?
),
event_stats AS (
  SELECT
    count(*) AS readings,
    count(CASE WHEN copies > 1 THEN 1 END) AS duplicate_event_ids
  FROM copies
)
-- One row, aggregated without GROUP BY: also for an hour without records. The runner adds dt and
-- hour (the partition) to it.
SELECT
  r.records,
  e.readings,
  e.duplicate_event_ids,
  r.records - e.readings AS duplicate_records,
  l.late_records,
  r.max_lateness_seconds,
  r.devices
FROM record_stats r
CROSS JOIN event_stats e
CROSS JOIN late_stats l
ORDER BY r.records
