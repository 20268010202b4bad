-- name: silent_devices
-- description: Registered devices that sent no reading in the hour: the device registry (as it
--   stands when the report runs) without the devices that reported. A device is expected from its
--   install_date on (always when it has none).
-- output: one row per silent device with its registry entry, ordered by device_id.
-- warehouse_table: report_silent_devices
-- key_columns: dt, hour, device_id
-- parameters: dt, hour, dt
-- columns:
--   dt date
--   hour string
--   device_id
--   site
--   model
--   owner
--   location string
--   install_date

-- install_date and the dt parameter are both YYYY-MM-DD strings: comparing the text compares the dates.
WITH reporting AS (
  SELECT DISTINCT device_id
  FROM telemetry
  WHERE dt = ? AND hour = ?
),
expected AS (
  SELECT device_id, site, model, owner, location, install_date
  FROM device_registry
  WHERE install_date IS NULL OR install_date <= ?
)
SELECT
  g.device_id,
  g.site,
  g.model,
  g.owner,
  g.location,
  g.install_date
FROM expected g
LEFT JOIN reporting r ON r.device_id = g.device_id
WHERE r.device_id IS NULL
ORDER BY g.device_id
