-- Issue 14 (pilothub speaks Chinese): each person's dashboard language, chosen with the switch in the header and
-- kept with their profile (NULL: not chosen yet, the browser's language applies); each organisation's default
-- language for the reports issued to it (NULL: English).
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh-CN'));
ALTER TABLE orgs ADD COLUMN report_language TEXT CHECK (report_language IS NULL OR report_language IN ('en', 'zh-CN'));
