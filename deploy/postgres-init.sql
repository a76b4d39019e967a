-- Run once by the postgres image on an empty volume: Vigil's database and Temporal's, each with a role of its own.
CREATE ROLE vigil LOGIN PASSWORD 'vigil';
CREATE DATABASE vigil OWNER vigil;
-- Temporal's schema tool creates the temporal and temporal_visibility databases itself.
CREATE ROLE temporal LOGIN PASSWORD 'temporal' CREATEDB;
