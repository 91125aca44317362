-- Run once by the postgres image on an empty volume: the gateways' database beside
-- Airflow's (POSTGRES_DB), as resilience.stack.cluster_profile creates both locally.
create database gateway;
