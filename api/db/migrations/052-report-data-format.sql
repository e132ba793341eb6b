-- Issue #12: run windows became half-open, [start, end), so touching runs never share the reading at their
-- hand-over. A report names the canonical format of its data, which says which points of its window it holds
-- (api/reports/canonical.ts); reports issued before hold both ends (pilothub-run-csv-v1), and verify re-reads each
-- report with its own format. ADD COLUMN fires no UPDATE trigger: issued rows stay exactly as they were.
ALTER TABLE reports ADD COLUMN data_format TEXT NOT NULL DEFAULT 'pilothub-run-csv-v1';
