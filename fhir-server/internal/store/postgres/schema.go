package postgres

// migrations are applied in order, each once, recorded in
// store_migrations. Append, never edit. Text columns use the "C"
// collation so that comparisons and sorting are bytewise, as on SQLite,
// and prefix searches can use the btree indexes.
var migrations = []string{`
CREATE TABLE IF NOT EXISTS resources (
	pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	type TEXT COLLATE "C" NOT NULL,
	id TEXT COLLATE "C" NOT NULL,
	version BIGINT NOT NULL,
	last_updated BIGINT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	body BYTEA,
	UNIQUE (type, id)
);
CREATE TABLE IF NOT EXISTS versions (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	res_pk BIGINT NOT NULL REFERENCES resources (pk),
	res_type TEXT COLLATE "C" NOT NULL,
	version BIGINT NOT NULL,
	last_updated BIGINT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	body BYTEA,
	UNIQUE (res_pk, version)
);
CREATE INDEX IF NOT EXISTS versions_updated ON versions (last_updated, seq);
CREATE INDEX IF NOT EXISTS versions_type_updated ON versions (res_type, last_updated, seq);
CREATE TABLE IF NOT EXISTS compartment_member (
	res_pk BIGINT NOT NULL,
	version BIGINT NOT NULL,
	comp_type TEXT COLLATE "C" NOT NULL,
	comp_id TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (res_pk, version, comp_type, comp_id)
);
CREATE INDEX IF NOT EXISTS compartment_member_comp ON compartment_member (comp_type, comp_id);
CREATE TABLE IF NOT EXISTS idx_token (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, system TEXT COLLATE "C" NOT NULL, code TEXT COLLATE "C" NOT NULL, text TEXT COLLATE "C" NOT NULL);
CREATE INDEX IF NOT EXISTS idx_token_lookup ON idx_token (res_type, param, code, system, res_pk);
CREATE INDEX IF NOT EXISTS idx_token_res ON idx_token (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_string (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, value TEXT COLLATE "C" NOT NULL, exact TEXT COLLATE "C" NOT NULL);
CREATE INDEX IF NOT EXISTS idx_string_lookup ON idx_string (res_type, param, value, res_pk);
CREATE INDEX IF NOT EXISTS idx_string_exact ON idx_string (res_type, param, exact);
CREATE INDEX IF NOT EXISTS idx_string_res ON idx_string (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_date (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, low BIGINT NOT NULL, high BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_date_lookup ON idx_date (res_type, param, low, high, res_pk);
CREATE INDEX IF NOT EXISTS idx_date_res ON idx_date (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_ref (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, ref_type TEXT COLLATE "C" NOT NULL, ref_id TEXT COLLATE "C" NOT NULL, url TEXT COLLATE "C" NOT NULL);
CREATE INDEX IF NOT EXISTS idx_ref_lookup ON idx_ref (res_type, param, ref_type, ref_id, res_pk);
CREATE INDEX IF NOT EXISTS idx_ref_id ON idx_ref (res_type, param, ref_id);
CREATE INDEX IF NOT EXISTS idx_ref_url ON idx_ref (res_type, param, url);
CREATE INDEX IF NOT EXISTS idx_ref_target ON idx_ref (ref_type, ref_id);
CREATE INDEX IF NOT EXISTS idx_ref_res ON idx_ref (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_quantity (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, number DOUBLE PRECISION NOT NULL, system TEXT COLLATE "C" NOT NULL, code TEXT COLLATE "C" NOT NULL);
CREATE INDEX IF NOT EXISTS idx_quantity_lookup ON idx_quantity (res_type, param, code, number, res_pk);
CREATE INDEX IF NOT EXISTS idx_quantity_res ON idx_quantity (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_uri (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, value TEXT COLLATE "C" NOT NULL);
CREATE INDEX IF NOT EXISTS idx_uri_lookup ON idx_uri (res_type, param, value, res_pk);
CREATE INDEX IF NOT EXISTS idx_uri_res ON idx_uri (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_number (res_pk BIGINT NOT NULL, res_type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL, number DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS idx_number_lookup ON idx_number (res_type, param, number, res_pk);
CREATE INDEX IF NOT EXISTS idx_number_res ON idx_number (res_pk, param);
`,
	// Audit records, in blocks (store.AuditLog). Scans bound last_ms from
	// below (recent records) or first_ms from above.
	`
CREATE TABLE IF NOT EXISTS audit_blocks (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	first_ms BIGINT NOT NULL,
	last_ms BIGINT NOT NULL,
	n INTEGER NOT NULL,
	data BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_blocks_last ON audit_blocks (last_ms);
CREATE INDEX IF NOT EXISTS audit_blocks_first ON audit_blocks (first_ms);
`,
	// The key index of the audit log (store.AuditBlock.Keys). Blocks
	// stored before have keyed = 0 until their keys are backfilled; key
	// scans include them meanwhile, through the partial index.
	`
ALTER TABLE audit_blocks ADD COLUMN IF NOT EXISTS keyed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS audit_blocks_unkeyed ON audit_blocks (seq) WHERE keyed = 0;
CREATE TABLE IF NOT EXISTS audit_keys (
	key TEXT COLLATE "C" NOT NULL,
	seq BIGINT NOT NULL,
	PRIMARY KEY (key, seq)
);
`,
	// Bulk-data export jobs (store.ExportJobs), their files' counts and
	// their NDJSON data in chunks: each chunk commits with the job's
	// progress, so a job resumes exactly where its output ends, and every
	// server on the database serves every job's files.
	`
CREATE TABLE IF NOT EXISTS export_jobs (
	id TEXT COLLATE "C" PRIMARY KEY,
	client_id TEXT NOT NULL,
	status TEXT NOT NULL,
	request TEXT NOT NULL,
	spec BYTEA NOT NULL,
	state BYTEA,
	transaction_ms BIGINT NOT NULL,
	created_ms BIGINT NOT NULL,
	expires_ms BIGINT NOT NULL,
	error TEXT NOT NULL,
	exported BIGINT NOT NULL,
	owner TEXT NOT NULL,
	lease_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS export_jobs_running ON export_jobs (client_id) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS export_jobs_expires ON export_jobs (expires_ms);
CREATE TABLE IF NOT EXISTS export_files (
	job_id TEXT COLLATE "C" NOT NULL,
	number INTEGER NOT NULL,
	kind TEXT NOT NULL,
	type TEXT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (job_id, number)
);
CREATE TABLE IF NOT EXISTS export_chunks (
	job_id TEXT COLLATE "C" NOT NULL,
	number INTEGER NOT NULL,
	chunk INTEGER NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (job_id, number, chunk)
);
`,
	// A type's current resources in primary-key order, as an export reads
	// them (store.ExportScan) and a search without clauses or sort pages
	// through them.
	`
CREATE INDEX IF NOT EXISTS resources_type_live ON resources (type, deleted, pk);
`,
	// A key row of the audit log names the other blocks of its append
	// holding the key too (more: ",seq,seq", lower seqs): one row per key
	// and append instead of one per key and block.
	`
ALTER TABLE audit_keys ADD COLUMN IF NOT EXISTS more TEXT NOT NULL DEFAULT '';
`}
