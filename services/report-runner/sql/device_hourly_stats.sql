-- name: device_hourly_stats
-- description: Per device and hour: how many readings arrived and the min/avg/max of every
--   metric. battery_min is the device's lowest battery level in the hour.
-- output: one row per device with readings in the hour, ordered by device_id. Each reading
--   counts once: records redelivered with the same event_id are collapsed.
-- warehouse_table: report_device_hourly_stats
-- key_columns: dt, hour, device_id
-- parameters: dt, hour
-- columns:
--   dt date
--   hour string
--   device_id
--   site
--   readings bigint
--   temperature_min double
--   temperature_avg double
--   temperature_max double
--   humidity_min double
--   humidity_avg double
--   humidity_max double
--   pressure_min double
--   pressure_avg double
--   pressure_max double
--   battery_min double
--   battery_avg double
--   battery_max double

-- Averages are taken over DECIMAL(18, 6): engines sum doubles in parallel, in no fixed order, so
-- a floating-point average can differ in its last bits from run to run; a decimal sum is exact,
-- so a re-run writes identical rows. Rounded to the 6 decimals both engines then agree on.
WITH readings AS (
  SELECT
    dt,
    hour,
    event_id,
    max(device_id) AS device_id,
    max(site) AS site,
    max(temperature) AS temperature,
    max(humidity) AS humidity,
    max(pressure) AS pressure,
    max(battery) AS battery
  FROM telemetry
  WHERE dt = ? AND hour = ?
  GROUP BY dt, hour, event_id
)
SELECT
  device_id,
  max(site) AS site,
  count(*) AS readings,
  min(temperature) AS temperature_min,
  round(avg(CAST(temperature AS DECIMAL(18, 6))), 6) AS temperature_avg,
  max(temperature) AS temperature_max,
  min(humidity) AS humidity_min,
  round(avg(CAST(humidity AS DECIMAL(18, 6))), 6) AS humidity_avg,
  max(humidity) AS humidity_max,
  min(pressure) AS pressure_min,
  round(avg(CAST(pressure AS DECIMAL(18, 6))), 6) AS pressure_avg,
  max(pressure) AS pressure_max,
  min(battery) AS battery_min,
  round(avg(CAST(battery AS DECIMAL(18, 6))), 6) AS battery_avg,
  max(battery) AS battery_max
FROM readings
GROUP BY device_id
ORDER BY device_id
