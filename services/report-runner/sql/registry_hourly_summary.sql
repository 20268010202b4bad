-- name: registry_hourly_summary
-- description: Per hour, per owner and per model of the device registry (joined as it stands when
--   the report runs): registered devices, devices that reported, registered devices that stayed
--   silent, readings, average temperature, humidity and pressure (6 decimals), lowest battery.
-- output: one row per (dimension, dimension_value), dimension being "owner" or "model", ordered
--   by dimension, dimension_value. Registered devices without an owner (model) count under
--   "(none)", devices that reported without being registered under "(unregistered)". A
--   registered device is expected from its install_date on (always when it has none); one that
--   reports before it counts anyway. Each reading counts once: copies are collapsed by event_id.
-- warehouse_table: report_registry_hourly_summary
-- key_columns: dt, hour, dimension, dimension_value
-- parameters: dt, hour, dt, dt
-- columns:
--   dt date
--   hour string
--   dimension string
--   dimension_value string
--   registered_devices bigint
--   reporting_devices bigint
--   silent_devices bigint
--   readings bigint
--   temperature_avg double
--   humidity_avg double
--   pressure_avg double
--   battery_min double

-- The owner and model come from the registry, not from the enriched lake columns: a device that
-- never reports has no lake rows to carry them. install_date and the dt parameter are both
-- YYYY-MM-DD strings, so comparing them as text compares the dates.
WITH readings AS (
  SELECT
    event_id,
    max(device_id) AS device_id,
    max(temperature) AS temperature,
    max(humidity) AS humidity,
    max(pressure) AS pressure,
    max(battery) AS battery
  FROM telemetry
  WHERE dt = ? AND hour = ?
  GROUP BY event_id
),
reporting AS (
  SELECT DISTINCT device_id
  FROM readings
),
-- Each registry entry once, installed or not, the date compared in a WHERE clause (Athena takes ?
-- parameters nowhere else): a device without install_date is installed; one with a date is either
-- on or before dt, or after it.
registry AS (
  SELECT
    device_id,
    COALESCE(owner, '(none)') AS owner,
    COALESCE(model, '(none)') AS model,
    1 AS installed
  FROM device_registry
  WHERE install_date IS NULL OR install_date <= ?
  UNION ALL
  SELECT
    device_id,
    COALESCE(owner, '(none)') AS owner,
    COALESCE(model, '(none)') AS model,
    0 AS installed
  FROM device_registry
  WHERE install_date > ?
),
devices AS (
  SELECT
    COALESCE(g.device_id, r.device_id) AS device_id,
    COALESCE(g.owner, '(unregistered)') AS owner,
    COALESCE(g.model, '(unregistered)') AS model,
    CASE WHEN g.device_id IS NULL THEN 0 ELSE 1 END AS registered,
    CASE WHEN r.device_id IS NULL THEN 0 ELSE 1 END AS reported
  FROM registry g
  FULL OUTER JOIN reporting r ON g.device_id = r.device_id
  WHERE r.device_id IS NOT NULL OR g.installed = 1
),
grouped AS (
  SELECT 'owner' AS dimension, owner AS dimension_value, device_id, registered, reported
  FROM devices
  UNION ALL
  SELECT 'model' AS dimension, model AS dimension_value, device_id, registered, reported
  FROM devices
),
device_counts AS (
  SELECT
    dimension,
    dimension_value,
    count(CASE WHEN registered = 1 THEN 1 END) AS registered_devices,
    count(CASE WHEN reported = 1 THEN 1 END) AS reporting_devices,
    count(CASE WHEN registered = 1 AND reported = 0 THEN 1 END) AS silent_devices
  FROM grouped
  GROUP BY dimension, dimension_value
),
reading_stats AS (
  SELECT
    g.dimension,
    g.dimension_value,
    count(*) AS readings,
    round(avg(CAST(x.temperature AS DECIMAL(18, 6))), 6) AS temperature_avg,
    round(avg(CAST(x.humidity AS DECIMAL(18, 6))), 6) AS humidity_avg,
    round(avg(CAST(x.pressure AS DECIMAL(18, 6))), 6) AS pressure_avg,
    min(x.battery) AS battery_min
  FROM grouped g
  JOIN readings x ON x.device_id = g.device_id
  GROUP BY g.dimension, g.dimension_value
)
SELECT
  c.dimension,
  c.dimension_value,
  c.registered_devices,
  c.reporting_devices,
  c.silent_devices,
  COALESCE(s.readings, 0) AS readings,
  s.temperature_avg,
  s.humidity_avg,
  s.pressure_avg,
  s.battery_min
FROM device_counts c
LEFT JOIN reading_stats s ON s.dimension = c.dimension AND s.dimension_value = c.dimension_value
ORDER BY c.dimension, c.dimension_value
