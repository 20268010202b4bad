-- name: anomalies
-- description: Readings beyond the configured thresholds (parameters anomaly<Metric>Min/Max of
--   the service), one row per reading and metric out of bounds.
-- output: one row per anomalous (reading, metric), ordered by device_id, event_time, event_id,
--   metric. Each reading counts once: redelivered copies are collapsed by event_id.
-- warehouse_table: report_anomalies
-- key_columns: dt, hour, event_id, metric
-- parameters: dt, hour
-- columns:
--   dt date
--   hour string
--   event_id
--   device_id
--   site
--   event_time
--   metric string
--   value double
--   threshold_min double
--   threshold_max double

-- The bounds come from the relation anomaly_thresholds (metric, low, high), which the runner binds
-- to the service's configured bounds: Athena takes ? parameters only in a WHERE clause, and the
-- bounds are output columns.
WITH readings AS (
  SELECT
    dt,
    hour,
    event_id,
    max(device_id) AS device_id,
    max(site) AS site,
    max(event_time) AS event_time,
    max(temperature) AS temperature,
    max(humidity) AS humidity,
    max(pressure) AS pressure,
    max(battery) AS battery
  FROM telemetry
  WHERE dt = ? AND hour = ?
  GROUP BY dt, hour, event_id
),
measured AS (
  SELECT
    r.dt,
    r.hour,
    r.event_id,
    r.device_id,
    r.site,
    r.event_time,
    t.metric,
    t.low,
    t.high,
    CASE t.metric
      WHEN 'temperature' THEN r.temperature
      WHEN 'humidity' THEN r.humidity
      WHEN 'pressure' THEN r.pressure
      ELSE r.battery
    END AS value
  FROM readings r
  CROSS JOIN anomaly_thresholds t
)
SELECT
  event_id,
  device_id,
  site,
  event_time,
  metric,
  value,
  low AS threshold_min,
  high AS threshold_max
FROM measured
WHERE value < low OR value > high
ORDER BY device_id, event_time, event_id, metric
