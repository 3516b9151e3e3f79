/*
** schema.c: the database schema, as numbered migrations. Never edit a migration that has
** shipped: add the next one. Each column carries a comment saying what it holds.
**
** Invariants the code relies on:
**  - observation rows are never updated or deleted: a new value is a new row with the next
**    revision for (period, unit, indicator); the current value is the highest revision
**    (view observation_current). This is the revision history DESIGN.md asks for.
**  - a period's state only moves open -> closed -> published; a published review row is
**    never changed except to mark it superseded by a later revision of the same period.
**  - times are ISO 8601 UTC text ("2021-03-05T09:14:27Z"); actors are account names or
**    "local:<os user>" for the command line.
*/
#include "store/schema.h"

static const SchemaMigration aMigration[] = {
  {"core: units, schemes, periods, targets, observations, reviews",
   "CREATE TABLE peer_group(\n"
   "  name TEXT PRIMARY KEY,            -- 考核组别, e.g. 县市; units rank only within it\n"
   "  sort_order INTEGER NOT NULL       -- display order (first seen in the units file)\n"
   ");\n"
   "CREATE TABLE unit(\n"
   "  code TEXT PRIMARY KEY,            -- administrative code (430421) or park code (P01)\n"
   "  name TEXT NOT NULL,               -- 衡阳县\n"
   "  kind TEXT NOT NULL CHECK (kind IN ('county','city','district','park','department')),\n"
   "  peer_group TEXT REFERENCES peer_group(name), -- NULL for departments (not ranked)\n"
   "  population REAL,                  -- persons, optional\n"
   "  area REAL,                        -- km2, optional\n"
   "  lon REAL, lat REAL,               -- seat location (GCJ-02), optional\n"
   "  sort_order INTEGER NOT NULL,      -- order of the units file: the order of every table\n"
   "  updated_at TEXT NOT NULL\n"
   ");\n"
   "CREATE TABLE scheme(\n"
   "  id INTEGER PRIMARY KEY,\n"
   "  code TEXT NOT NULL,               -- HY2021\n"
   "  version INTEGER NOT NULL,         -- 1, 2, ... per code; a changed scheme is a new version\n"
   "  name TEXT NOT NULL,\n"
   "  year INTEGER NOT NULL,\n"
   "  body TEXT NOT NULL,               -- the scheme JSON exactly as imported\n"
   "  sha256 TEXT NOT NULL,             -- of body, hex\n"
   "  imported_at TEXT NOT NULL,\n"
   "  imported_by TEXT NOT NULL,\n"
   "  UNIQUE (code, version)\n"
   ");\n"
   "CREATE TABLE period(\n"
   "  code TEXT PRIMARY KEY,            -- 2021-B3 (SCORING.md period codes)\n"
   "  scheme_id INTEGER NOT NULL REFERENCES scheme(id),\n"
   "  state TEXT NOT NULL CHECK (state IN ('open','closed','published')),\n"
   "  deadline TEXT,                    -- YYYY-MM-DD, data entry deadline\n"
   "  opened_at TEXT NOT NULL,\n"
   "  closed_at TEXT,\n"
   "  published_at TEXT                 -- first publication\n"
   ");\n"
   "CREATE TABLE target(\n"
   "  scheme_id INTEGER NOT NULL REFERENCES scheme(id),\n"
   "  unit TEXT NOT NULL REFERENCES unit(code),\n"
   "  indicator TEXT NOT NULL,          -- leaf code of the scheme\n"
   "  target REAL NOT NULL,             -- annual target 目标值, in the indicator's unit\n"
   "  updated_at TEXT NOT NULL,\n"
   "  updated_by TEXT NOT NULL,\n"
   "  PRIMARY KEY (scheme_id, unit, indicator)\n"
   ");\n"
   "CREATE TABLE import_batch(\n"
   "  id INTEGER PRIMARY KEY,\n"
   "  kind TEXT NOT NULL,               -- units | targets | values | scheme\n"
   "  file_name TEXT NOT NULL,          -- as given on import\n"
   "  file_sha256 TEXT NOT NULL,        -- of the file bytes\n"
   "  encoding TEXT,                    -- UTF-8, UTF-8 with BOM, GBK, XLSX\n"
   "  rows_ok INTEGER NOT NULL,\n"
   "  rows_skipped INTEGER NOT NULL,    -- bad rows skipped with --skip-bad\n"
   "  imported_at TEXT NOT NULL,\n"
   "  imported_by TEXT NOT NULL\n"
   ");\n"
   "CREATE TABLE observation(\n"
   "  id INTEGER PRIMARY KEY,\n"
   "  period TEXT NOT NULL REFERENCES period(code),\n"
   "  unit TEXT NOT NULL REFERENCES unit(code),\n"
   "  indicator TEXT NOT NULL,          -- leaf code of the period's scheme\n"
   "  revision INTEGER NOT NULL,        -- 1, 2, ...: every change is a new revision\n"
   "  value REAL,                       -- NULL = reported missing\n"
   "  note TEXT,                        -- reporter's note\n"
   "  provenance TEXT NOT NULL CHECK (provenance IN\n"
   "    ('self','department','feed','wish','project','finding')),\n"
   "  state TEXT NOT NULL CHECK (state IN ('draft','submitted','verified','rejected')),\n"
   "  batch_id INTEGER REFERENCES import_batch(id), -- the import it came from, if any\n"
   "  reason TEXT,                      -- why this revision (required after publication)\n"
   "  entered_by TEXT NOT NULL,\n"
   "  entered_at TEXT NOT NULL,\n"
   "  UNIQUE (period, unit, indicator, revision)\n"
   ");\n"
   "CREATE VIEW observation_current AS\n"
   "  SELECT o.* FROM observation o\n"
   "  WHERE o.revision = (SELECT max(p.revision) FROM observation p\n"
   "                      WHERE p.period = o.period AND p.unit = o.unit\n"
   "                        AND p.indicator = o.indicator);\n"
   "CREATE TABLE review(\n"
   "  id INTEGER PRIMARY KEY,\n"
   "  period TEXT NOT NULL REFERENCES period(code),\n"
   "  scheme_id INTEGER NOT NULL REFERENCES scheme(id),\n"
   "  revision INTEGER NOT NULL,        -- 1, 2, ...: republishing after a correction\n"
   "  state TEXT NOT NULL CHECK (state IN ('computed','published','superseded')),\n"
   "  inputs_sha256 TEXT NOT NULL,      -- SHA-256 of the canonical inputs (review.c)\n"
   "  result TEXT NOT NULL,             -- the review JSON (review.c)\n"
   "  computed_at TEXT NOT NULL,\n"
   "  computed_by TEXT NOT NULL,\n"
   "  published_at TEXT,\n"
   "  published_by TEXT,\n"
   "  UNIQUE (period, revision)\n"
   ");\n"
   "CREATE TABLE review_unit(\n"
   "  review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,\n"
   "  unit TEXT NOT NULL REFERENCES unit(code),\n"
   "  peer_group TEXT NOT NULL,\n"
   "  total REAL NOT NULL,              -- points (or index value x scale)\n"
   "  rank INTEGER NOT NULL,            -- in peer group, competition ranking\n"
   "  grade TEXT,                       -- 等次\n"
   "  PRIMARY KEY (review_id, unit)\n"
   ");\n"
   "CREATE INDEX observation_by_unit ON observation(unit, period);\n"
   "CREATE INDEX review_by_state ON review(state, period);\n",
   "PRAGMA user_version = 1"},
};

int schema_migration_count(void) {
  return (int)(sizeof aMigration / sizeof aMigration[0]);
}

const SchemaMigration *schema_migration(int i) {
  return &aMigration[i];
}
