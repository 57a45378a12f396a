-- The battery demo's statements. `chaintap up` runs them over the devchain;
-- elsewhere: chaintap process -f battery/demo.sql (the chain must be named devchain,
-- or replace DEVCHAIN_ below with your chain's name).
--
-- DEVCHAIN_EVENTS, DEVCHAIN_BLOCKS and the other chain streams are declared by
-- chaintap itself (SHOW STREAMS lists them). They are head views: when a reorg
-- orphans a block, its records are retracted, and every statement below undoes
-- what they caused.

SET 'auto.offset.reset' = 'earliest';

-- The BatteryRegistry's events, one row each, with their arguments as columns.
CREATE STREAM battery_events AS
  SELECT id,
         block_number,
         event_name,
         args->battery AS battery,
         args->owner AS owner,
         args->by AS charged_by,
         CAST(args->yearBuilt AS INT) AS year_built,
         args->country AS country,
         CAST(args->chargeCycles AS BIGINT) AS charge_cycles,
         CASE WHEN event_name = 'BatteryLocked' THEN true
              WHEN event_name = 'BatteryUnlocked' THEN false END AS locked
  FROM devchain_events
  WHERE contract_name = 'BatteryRegistry' AND args->battery IS NOT NULL
  EMIT CHANGES;

-- The latest state of every registered battery (what the page's table shows).
-- LATEST_BY_OFFSET skips NULLs, so each column takes the newest event that says
-- something about it: the owner and origin from the registration, the cycles from
-- the newest charge, blocked from the newest lock or unlock.
CREATE TABLE battery_status AS
  SELECT battery AS id,
         LATEST_BY_OFFSET(owner) AS owner,
         LATEST_BY_OFFSET(year_built) AS year_built,
         LATEST_BY_OFFSET(country) AS country,
         COALESCE(LATEST_BY_OFFSET(charge_cycles), CAST(0 AS BIGINT)) AS charge_cycles,
         COALESCE(LATEST_BY_OFFSET(locked), false) AS blocked,
         MAX(block_number) AS block
  FROM battery_events
  GROUP BY battery
  HAVING LATEST_BY_OFFSET(year_built) IS NOT NULL
  EMIT CHANGES;

-- Per-minute block metrics, in the style of the EthVM explorer: blocks, transactions,
-- gas, and the fees burnt (gas used times the base fee, in wei), by block time.
CREATE TABLE block_metrics AS
  SELECT chain,
         COUNT(*) AS blocks,
         SUM(transaction_count) AS transactions,
         SUM(gas_used) AS gas_used,
         SUM(CAST(gas_used AS DECIMAL(78, 0)) * base_fee_per_gas) AS fees_burnt,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end
  FROM devchain_blocks
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY chain
  EMIT CHANGES;

-- Per-minute transaction metrics: how many, how many failed, and the gas prices paid.
CREATE TABLE transaction_metrics AS
  SELECT chain,
         COUNT(*) AS transactions,
         SUM(CASE WHEN receipt_status = 0 THEN 1 ELSE 0 END) AS failed,
         AVG(receipt_effective_gas_price) AS avg_gas_price,
         MAX(receipt_effective_gas_price) AS max_gas_price,
         WINDOWSTART AS window_start,
         WINDOWEND AS window_end
  FROM devchain_transactions
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY chain
  EMIT CHANGES;

-- Off-chain data, as the seed's operators had it. The charging stations'
-- master data: a table `chaintap up` loads from battery/charging_stations.csv
-- (or streams from PostgreSQL with chaintap pg source).
CREATE TABLE charging_stations (id STRING PRIMARY KEY, operator STRING, city STRING, country STRING,
                                power_kw DOUBLE, price_per_kwh DECIMAL(10, 4))
  WITH (KAFKA_TOPIC='charging_stations', VALUE_FORMAT='JSON', PARTITIONS=1);

-- The charging sessions an operator's system reports, keyed by station (the
-- demo's traffic generator writes them while `chaintap up` runs).
CREATE STREAM charging_sessions (station STRING KEY, session_id STRING, battery STRING, kwh DOUBLE,
                                 started_at BIGINT, ended_at BIGINT)
  WITH (KAFKA_TOPIC='charging_sessions', VALUE_FORMAT='JSON', PARTITIONS=1);

-- Each session with its station, re-keyed by battery for the next join.
CREATE STREAM sessions_at_stations AS
  SELECT s.session_id AS session_id, s.battery AS battery, s.station AS station,
         st.operator AS operator, st.city AS city, st.country AS station_country,
         s.kwh AS kwh, CAST(CAST(s.kwh AS DECIMAL(10, 4)) * st.price_per_kwh AS DECIMAL(12, 2)) AS price,
         s.started_at AS started_at, s.ended_at AS ended_at
  FROM charging_sessions s
  JOIN charging_stations st ON s.station = st.id
  PARTITION BY s.battery
  EMIT CHANGES;

-- The sessions enriched with the battery's on-chain state.
CREATE STREAM enriched_transactions AS
  SELECT x.battery AS battery, x.session_id AS session_id, x.station AS station, x.operator AS operator,
         x.city AS city, x.station_country AS station_country, x.kwh AS kwh, x.price AS price,
         b.owner AS owner, b.country AS battery_country, b.year_built AS year_built,
         b.charge_cycles AS charge_cycles, b.blocked AS blocked, x.started_at AS started_at, x.ended_at AS ended_at
  FROM sessions_at_stations x
  JOIN battery_status b ON x.battery = b.id
  EMIT CHANGES;

-- Sessions of blocked batteries: a notification each, and no charge recorded.
CREATE STREAM battery_notifications AS
  SELECT battery, session_id, station, operator, city, owner,
         'charging session of a blocked battery' AS reason
  FROM enriched_transactions
  WHERE blocked
  EMIT CHANGES;
