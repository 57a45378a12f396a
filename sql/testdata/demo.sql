SET 'auto.offset.reset' = 'earliest';

-- chain events decoded by the events handler (one row per BatteryUpdated event)
CREATE STREAM battery_events (
  account VARCHAR KEY, year_built INT, country_origin VARCHAR,
  charge_cycles INT, blocked BOOLEAN
) WITH (KAFKA_TOPIC='battery_events', VALUE_FORMAT='JSON');

-- latest state per battery (what BATTERYSTATUS_TABLE shows)
CREATE TABLE batterystatus_table AS
  SELECT account,
         LATEST_BY_OFFSET(year_built)     AS year_built,
         LATEST_BY_OFFSET(country_origin) AS country_origin,
         LATEST_BY_OFFSET(charge_cycles)  AS charge_cycles,
         LATEST_BY_OFFSET(blocked)        AS blocked
  FROM battery_events GROUP BY account EMIT CHANGES;

SELECT * FROM batterystatus_table EMIT CHANGES;                 -- push: live table
SELECT * FROM batterystatus_table WHERE account = '0x13e4…';   -- pull: one battery now

-- off-chain reference data and charging sessions
CREATE TABLE charging_stations (
  station_id VARCHAR PRIMARY KEY, name VARCHAR, city VARCHAR, country VARCHAR,
  operator VARCHAR, price_per_kwh DOUBLE
) WITH (KAFKA_TOPIC='charging_stations', VALUE_FORMAT='JSON');

CREATE STREAM battery_transactions (
  session_id VARCHAR KEY, account VARCHAR, station_id VARCHAR, kwh DOUBLE, ended_at BIGINT
) WITH (KAFKA_TOPIC='battery_transactions', VALUE_FORMAT='JSON', TIMESTAMP='ended_at');

-- enrichment: session ⋈ station ⋈ battery state
CREATE STREAM enriched_transactions AS
  SELECT t.session_id, t.account, t.station_id, t.kwh,
         s.name AS station_name, s.country AS station_country, s.price_per_kwh,
         t.kwh * s.price_per_kwh AS cost,
         b.blocked, b.charge_cycles
  FROM battery_transactions t
  LEFT JOIN charging_stations s ON t.station_id = s.station_id
  LEFT JOIN batterystatus_table b ON t.account = b.account
  EMIT CHANGES;

-- alerts: a blocked battery was charged
CREATE STREAM battery_status AS
  SELECT account, session_id, station_id, 'BLOCKED_BATTERY_CHARGED' AS status
  FROM enriched_transactions WHERE blocked = true EMIT CHANGES;

-- analytics: per-station hourly totals; hopping and session variants
CREATE TABLE station_hourly AS
  SELECT station_id, COUNT(*) AS sessions, SUM(kwh) AS kwh, SUM(cost) AS revenue
  FROM enriched_transactions
  WINDOW TUMBLING (SIZE 1 HOUR, GRACE PERIOD 10 MINUTES)
  GROUP BY station_id EMIT CHANGES;
--  WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES)
--  WINDOW SESSION (30 MINUTES)          -- per-account charging sessions
