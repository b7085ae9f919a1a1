-- load.sql — 1,000,000 ouders responses over 2024-W01..2026-W47, straight
-- into the database while the server is stopped.  bench/run.sh runs it
-- with the sqlite3 CLI.  Ids are random (as the server makes them),
-- answers are compact JSON in definition order (as the server stores
-- them), and satisfaction rises slowly over the three years so the
-- dashboard has a trend to show.
PRAGMA journal_mode = MEMORY;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1048576;
PRAGMA temp_store = MEMORY;
BEGIN;
WITH RECURSIVE n(i, w, r) AS (
	SELECT 1, abs(random() % 151), random()
	UNION ALL
	SELECT i + 1, abs(random() % 151), random() FROM n WHERE i < 1000000
)
INSERT INTO responses (id, survey, version, channel, location, lang, week,
    answers, submission)
SELECT
	(random() & 9223372036854775807) | 1,
	'ouders', 2,
	CASE abs(random() % 4) WHEN 0 THEN 'qr' WHEN 1 THEN 'kiosk'
	    WHEN 2 THEN 'sms' ELSE 'web' END,
	CASE abs(random() % 4) WHEN 0 THEN 'overvecht' WHEN 1 THEN 'vechtzoom'
	    WHEN 2 THEN 'spoorzoom' ELSE 'utrecht-west' END,
	CASE WHEN abs(random() % 100) < 85 THEN 'nl' ELSE 'en' END,
	printf('%d-W%02d', 2024 + w / 52, w % 52 + 1),
	printf('{"gehoord":%d,"serieus":%s,"duidelijk":%s,"waarom":%s,' ||
	    '"hulpverleners":"%s","opnieuw_vertellen":%s%s,"plan":%s,' ||
	    '"op_tijd":%s,"veiliger":%s,"beter_aan":%s,"bezwaar":%s,' ||
	    '"cijfer":%d,"aanbevelen":%d%s}',
	    1 + abs(random() % 4) + (abs(random() % 151) < w),
	    CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END,
	    CASE abs(random() % 5) WHEN 0 THEN '1' WHEN 1 THEN '2'
		WHEN 2 THEN '3' WHEN 3 THEN '4-plus' ELSE 'weet-niet' END,
	    CASE WHEN r & 1 THEN 'true' ELSE 'false' END,
	    CASE WHEN r & 1 THEN ',"hoe_vaak":"' || CASE abs(random() % 4)
		WHEN 0 THEN '1' WHEN 1 THEN '2' WHEN 2 THEN '3-plus'
		ELSE 'weet-niet' END || '"' ELSE '' END,
	    CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END, CASE WHEN abs(random() % 201) < w + 50 THEN 'true' ELSE 'false' END,
	    1 + abs(random() % 7) + w * 3 / 151,
	    abs(random() % 8) + w * 3 / 151,
	    CASE WHEN abs(random() % 20) = 0
		THEN ',"beter_doen":"Sneller terugbellen."' ELSE '' END),
	randomblob(16)
FROM n;
COMMIT;
