-- name: site_hourly_summary
-- description: Per site and hour: active devices, readings, average temperature, humidity and
--   pressure (6 decimals), the lowest battery level and the device reporting it.
-- output: one row per site with readings in the hour, ordered by site. Readings without a site
--   are summarised under "(none)". Ties for the lowest battery go to the smallest device_id.
-- warehouse_table: report_site_hourly_summary
-- key_columns: dt, hour, site
-- parameters: dt, hour
-- columns:
--   dt date
--   hour string
--   site
--   devices bigint
--   readings bigint
--   temperature_avg double
--   humidity_avg double
--   pressure_avg double
--   battery_min double
--   lowest_battery_device string

-- Averages are taken over DECIMAL(18, 6): engines sum doubles in parallel, in no fixed order, so
-- a floating-point average can differ in its last bits from run to run; a decimal sum is exact,
-- so a re-run writes identical rows. Rounded to the 6 decimals both engines then agree on.
WITH readings AS (
  SELECT
    dt,
    hour,
    event_id,
    max(device_id) AS device_id,
    COALESCE(max(site), '(none)') AS site,
    max(temperature) AS temperature,
    max(humidity) AS humidity,
    max(pressure) AS pressure,
    max(battery) AS battery
  FROM telemetry
  WHERE dt = ? AND hour = ?
  GROUP BY dt, hour, event_id
),
lowest_battery AS (
  SELECT site, min(battery) AS battery
  FROM readings
  GROUP BY site
),
lowest_battery_device AS (
  SELECT r.site, min(r.device_id) AS device_id
  FROM readings r
  JOIN lowest_battery l ON r.site = l.site AND r.battery = l.battery
  GROUP BY r.site
)
SELECT
  r.site,
  count(DISTINCT r.device_id) AS devices,
  count(*) AS readings,
  round(avg(CAST(r.temperature AS DECIMAL(18, 6))), 6) AS temperature_avg,
  round(avg(CAST(r.humidity AS DECIMAL(18, 6))), 6) AS humidity_avg,
  round(avg(CAST(r.pressure AS DECIMAL(18, 6))), 6) AS pressure_avg,
  min(r.battery) AS battery_min,
  max(d.device_id) AS lowest_battery_device
FROM readings r
LEFT JOIN lowest_battery_device d ON r.site = d.site
GROUP BY r.site
ORDER BY r.site
