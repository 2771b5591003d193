package migrate

// migration is one schema change. Applied migrations are recorded in
// schema_migrations; never edit one that has shipped, append a new one.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = []migration{
	{
		version: 1,
		name:    "create visits",
		// IF NOT EXISTS everywhere: a visits table created by an earlier
		// release of the stack, before schema_migrations existed, is
		// upgraded in place instead of failing the migration.
		sql: `
CREATE TABLE IF NOT EXISTS visits (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at        timestamptz NOT NULL DEFAULT now(),
	served_by text NOT NULL
);
ALTER TABLE visits ADD COLUMN IF NOT EXISTS at timestamptz NOT NULL DEFAULT now();
ALTER TABLE visits ADD COLUMN IF NOT EXISTS served_by text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS visits_served_by_idx ON visits (served_by);
`,
	},
	{
		version: 2,
		name:    "maintain visit total",
		// The web tier shows the total on every request; count(*) grows with
		// the table, so a one-row total is kept in step by statement-level
		// triggers. Triggers (not application code) keep it right even when
		// rows are inserted, deleted or truncated by hand.
		sql: `
-- Block writers until the total is seeded and the triggers are in place,
-- so no visit lands between counting and tracking.
LOCK TABLE visits IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE IF NOT EXISTS visit_totals (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	total     bigint NOT NULL CHECK (total >= 0),
	-- Incremented by every change, so a cache can tell a newer total from
	-- an older one (even when deletions made the newer one smaller).
	version   bigint NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION visit_totals_add_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE visit_totals
	SET total = total + (SELECT count(*) FROM inserted_visits), version = version + 1;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION visit_totals_subtract_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE visit_totals
	SET total = total - (SELECT count(*) FROM deleted_visits), version = version + 1;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION visit_totals_reset() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE visit_totals SET total = 0, version = version + 1;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER visits_count_inserted
	AFTER INSERT ON visits REFERENCING NEW TABLE AS inserted_visits
	FOR EACH STATEMENT EXECUTE FUNCTION visit_totals_add_inserted();
CREATE OR REPLACE TRIGGER visits_count_deleted
	AFTER DELETE ON visits REFERENCING OLD TABLE AS deleted_visits
	FOR EACH STATEMENT EXECUTE FUNCTION visit_totals_subtract_deleted();
CREATE OR REPLACE TRIGGER visits_count_truncated
	AFTER TRUNCATE ON visits
	FOR EACH STATEMENT EXECUTE FUNCTION visit_totals_reset();

INSERT INTO visit_totals (total) SELECT count(*) FROM visits
ON CONFLICT (singleton) DO UPDATE
SET total = EXCLUDED.total, version = visit_totals.version + 1;
`,
	},
}
