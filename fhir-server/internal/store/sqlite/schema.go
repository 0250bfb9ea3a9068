package sqlite

// migrations are applied in order, each once; user_version records how
// many have run. Append, never edit.
var migrations = []string{`
CREATE TABLE IF NOT EXISTS resources (
	pk INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	id TEXT NOT NULL,
	version INTEGER NOT NULL,
	last_updated INTEGER NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	body BLOB,
	UNIQUE (type, id)
);
CREATE TABLE IF NOT EXISTS versions (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	res_pk INTEGER NOT NULL REFERENCES resources (pk),
	res_type TEXT NOT NULL,
	version INTEGER NOT NULL,
	last_updated INTEGER NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0,
	body BLOB,
	UNIQUE (res_pk, version)
);
CREATE INDEX IF NOT EXISTS versions_updated ON versions (last_updated, seq);
CREATE INDEX IF NOT EXISTS versions_type_updated ON versions (res_type, last_updated, seq);
CREATE TABLE IF NOT EXISTS compartment_member (
	res_pk INTEGER NOT NULL,
	version INTEGER NOT NULL,
	comp_type TEXT NOT NULL,
	comp_id TEXT NOT NULL,
	PRIMARY KEY (res_pk, version, comp_type, comp_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS compartment_member_comp ON compartment_member (comp_type, comp_id);
CREATE TABLE IF NOT EXISTS idx_token (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_token_lookup ON idx_token (res_type, param, code, system, res_pk);
CREATE INDEX IF NOT EXISTS idx_token_res ON idx_token (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_string (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL, exact TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_string_lookup ON idx_string (res_type, param, value, res_pk);
CREATE INDEX IF NOT EXISTS idx_string_exact ON idx_string (res_type, param, exact);
CREATE INDEX IF NOT EXISTS idx_string_res ON idx_string (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_date (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idx_date_lookup ON idx_date (res_type, param, low, high, res_pk);
CREATE INDEX IF NOT EXISTS idx_date_res ON idx_date (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_ref (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, ref_type TEXT NOT NULL, ref_id TEXT NOT NULL, url TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_ref_lookup ON idx_ref (res_type, param, ref_type, ref_id, res_pk);
CREATE INDEX IF NOT EXISTS idx_ref_id ON idx_ref (res_type, param, ref_id);
CREATE INDEX IF NOT EXISTS idx_ref_url ON idx_ref (res_type, param, url);
CREATE INDEX IF NOT EXISTS idx_ref_res ON idx_ref (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_quantity (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, number REAL NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_quantity_lookup ON idx_quantity (res_type, param, code, number, res_pk);
CREATE INDEX IF NOT EXISTS idx_quantity_res ON idx_quantity (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_uri (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_uri_lookup ON idx_uri (res_type, param, value, res_pk);
CREATE INDEX IF NOT EXISTS idx_uri_res ON idx_uri (res_pk, param);
CREATE TABLE IF NOT EXISTS idx_number (res_pk INTEGER NOT NULL, res_type TEXT NOT NULL, param TEXT NOT NULL, number REAL NOT NULL);
CREATE INDEX IF NOT EXISTS idx_number_lookup ON idx_number (res_type, param, number, res_pk);
CREATE INDEX IF NOT EXISTS idx_number_res ON idx_number (res_pk, param);
`,
	// Audit records, in blocks (store.AuditLog). AUTOINCREMENT: a seq is
	// never reused, so readers paging by seq see each block once. Scans
	// bound last_ms from below (recent records) or first_ms from above.
	`
CREATE TABLE IF NOT EXISTS audit_blocks (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	first_ms INTEGER NOT NULL,
	last_ms INTEGER NOT NULL,
	n INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_blocks_last ON audit_blocks (last_ms);
CREATE INDEX IF NOT EXISTS audit_blocks_first ON audit_blocks (first_ms);
`,
	// The outbox of audit blocks appended in transactions, on their way
	// to audit.db (sqlstore's outbox). The audit_blocks table above held
	// the log before it moved to audit.db; Open moves what it holds and
	// drops it.
	`
CREATE TABLE IF NOT EXISTS audit_outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	uid BLOB NOT NULL,
	first_ms INTEGER NOT NULL,
	last_ms INTEGER NOT NULL,
	n INTEGER NOT NULL,
	data BLOB NOT NULL,
	keys BLOB
);
`,
	// Bulk-data export jobs (store.ExportJobs), their files' counts and
	// their NDJSON data in chunks: each chunk commits with the job's
	// progress, so a job resumes exactly where its output ends, and every
	// server on the database serves every job's files.
	`
CREATE TABLE IF NOT EXISTS export_jobs (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL,
	status TEXT NOT NULL,
	request TEXT NOT NULL,
	spec BLOB NOT NULL,
	state BLOB,
	transaction_ms INTEGER NOT NULL,
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	error TEXT NOT NULL,
	exported INTEGER NOT NULL,
	owner TEXT NOT NULL,
	lease_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS export_jobs_running ON export_jobs (client_id) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS export_jobs_expires ON export_jobs (expires_ms);
CREATE TABLE IF NOT EXISTS export_files (
	job_id TEXT NOT NULL,
	number INTEGER NOT NULL,
	kind TEXT NOT NULL,
	type TEXT NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (job_id, number)
);
CREATE TABLE IF NOT EXISTS export_chunks (
	job_id TEXT NOT NULL,
	number INTEGER NOT NULL,
	chunk INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (job_id, number, chunk)
);
`,
	// A type's current resources in primary-key order, as an export reads
	// them (store.ExportScan) and a search without clauses or sort pages
	// through them (SQLite: every index ends with the rowid).
	`
CREATE INDEX IF NOT EXISTS resources_type_live ON resources (type, deleted);
`}

// auditMigrations are those of audit.db, in the same way.
var auditMigrations = []string{
	// Audit records, in blocks (store.AuditLog). AUTOINCREMENT: a seq is
	// never reused, so readers paging by seq see each block once. Scans
	// bound last_ms from below (recent records) or first_ms from above.
	// uid: the outbox row a block came from (a second copy is skipped).
	// audit_keys is the key index (store.AuditBlock.Keys); blocks with
	// keyed = 0 have no keys yet and every key scan includes them.
	`
CREATE TABLE IF NOT EXISTS audit_blocks (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	first_ms INTEGER NOT NULL,
	last_ms INTEGER NOT NULL,
	n INTEGER NOT NULL,
	data BLOB NOT NULL,
	keyed INTEGER NOT NULL DEFAULT 0,
	uid BLOB UNIQUE
);
CREATE INDEX IF NOT EXISTS audit_blocks_last ON audit_blocks (last_ms);
CREATE INDEX IF NOT EXISTS audit_blocks_first ON audit_blocks (first_ms);
CREATE INDEX IF NOT EXISTS audit_blocks_unkeyed ON audit_blocks (seq) WHERE keyed = 0;
CREATE TABLE IF NOT EXISTS audit_keys (
	key TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (key, seq)
) WITHOUT ROWID;
`,
	// A key row names the other blocks of its append holding the key too
	// (more: ",seq,seq", lower seqs): one row per key and append instead
	// of one per key and block.
	`
ALTER TABLE audit_keys ADD COLUMN more TEXT NOT NULL DEFAULT '';
`}
